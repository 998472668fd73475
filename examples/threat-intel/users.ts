/** A demo client seeded into the database; the secrets are public on purpose (see README.md). */
export interface DemoUser {
  readonly clientId: string;
  readonly secret: string;
  readonly scope: string;
}

/** Number of simulated devices seeded (`device-001` … `device-1000`), enough for `npm run demo:load`. */
export const DEMO_DEVICE_COUNT = 1000;
export const DEMO_DEVICE_SECRET = 'device-secret';
export const DEVICE_SCOPE = 'threats:read definitions:read';
export const ANALYST_SCOPE = 'threats:read threats:write scans:read scans:write definitions:read';
export const PERSON_SCOPE = 'threats:read scans:read scans:write definitions:read';

/** Formats a device client id: `device-001`, …, `device-999`, `device-1000`. */
export function formatDeviceId(index: number): string {
  return `device-${String(index).padStart(3, '0')}`;
}

/** Every demo client: the devices (read only), an analyst who may write threats, and two people with private scans. */
export function createDemoUsers(): DemoUser[] {
  const users: DemoUser[] = [
    { clientId: 'analyst', secret: 'analyst-secret', scope: ANALYST_SCOPE },
    { clientId: 'alice', secret: 'alice-secret', scope: PERSON_SCOPE },
    { clientId: 'bob', secret: 'bob-secret', scope: PERSON_SCOPE },
  ];
  for (let index = 1; index <= DEMO_DEVICE_COUNT; index++) {
    users.push({ clientId: formatDeviceId(index), secret: DEMO_DEVICE_SECRET, scope: DEVICE_SCOPE });
  }
  return users;
}
