import { isPlainObject } from './http.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The writable fields of a threat (POST creates, PUT replaces all of them). */
export interface ThreatInput {
  readonly name: string;
  readonly family: string;
  readonly severity: Severity;
  readonly description: string;
}

/** One invalid field, reported in RFC 9457 `errors` extension members. */
export interface FieldProblem {
  readonly pointer: string;
  readonly detail: string;
}

export type ThreatInputResult =
  | { readonly ok: true; readonly input: ThreatInput }
  | { readonly ok: false; readonly problems: FieldProblem[] };

const FIELDS = ['name', 'family', 'severity', 'description'] as const;
const LIMITS: Record<(typeof FIELDS)[number], number> = { name: 200, family: 100, severity: 8, description: 4000 };

/** Validates a parsed JSON body, listing every bad or unknown field (JSON Pointer paths, RFC 6901). */
export function parseThreatInput(value: unknown): ThreatInputResult {
  if (!isPlainObject(value)) return { ok: false, problems: [{ pointer: '', detail: 'must be a JSON object' }] };
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(value)) {
    if (!(FIELDS as readonly string[]).includes(key) && key !== 'id' && key !== 'version' && key !== 'updatedAt') {
      problems.push({ pointer: `/${key}`, detail: `unknown field, expected one of ${FIELDS.join(', ')}` });
    }
  }
  for (const field of FIELDS) {
    const text = value[field];
    if (typeof text !== 'string' || text.trim() === '') problems.push({ pointer: `/${field}`, detail: 'must be a non-empty string' });
    else if (field === 'severity' && !isSeverity(text))
      problems.push({ pointer: '/severity', detail: `must be one of ${SEVERITIES.join(', ')}` });
    else if (text.length > LIMITS[field]) problems.push({ pointer: `/${field}`, detail: `must be at most ${LIMITS[field]} characters` });
  }
  const severity = value['severity'];
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    input: {
      name: (value['name'] as string).trim(),
      family: (value['family'] as string).trim(),
      severity: severity as Severity,
      description: (value['description'] as string).trim(),
    },
  };
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
