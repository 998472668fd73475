/** A setting's text and where it came from (`--flag` or the environment variable), for error messages. */
export interface GivenOption {
  readonly text: string;
  readonly source: string;
}

/** The flag's value when given, else the environment variable's when set and not empty. */
export function createOptionReader(values: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>>) {
  return (flag: string, envName: string | undefined): GivenOption | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return { text: fromFlag, source: `--${flag}` };
    const fromEnv = envName === undefined ? undefined : env[envName];
    return fromEnv === undefined || fromEnv === '' || envName === undefined ? undefined : { text: fromEnv, source: envName };
  };
}
