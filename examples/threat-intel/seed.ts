/** One of the threats every fresh database starts with. */
export interface SeedThreat {
  readonly id: number;
  readonly name: string;
  readonly family: string;
  readonly severity: string;
  readonly description: string;
  /** Epoch ms; fixed, so every fresh database serves byte-identical representations (and ETags). */
  readonly updatedAt: number;
}

export const SEED_THREAT_COUNT = 50;
const SEEDED_AT = Date.UTC(2026, 0, 1);

const FAMILIES = ['Trojan', 'Ransomware', 'Worm', 'Spyware', 'Backdoor', 'Adware', 'Rootkit', 'Infostealer', 'Botnet', 'Miner'];
const PLATFORMS = ['Win32', 'Linux', 'MacOS', 'Android', 'Multi'];
const NAMES = [
  'Emberfall',
  'Quietmoth',
  'Ironvine',
  'Glasswren',
  'Nightcress',
  'Rustpetal',
  'Coldharbor',
  'Ashglint',
  'Duskmaw',
  'Pikefang',
];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];
const BEHAVIOURS = [
  'encrypts user files and demands payment',
  'exfiltrates browser credentials over HTTPS',
  'spreads through exposed SMB shares',
  'installs a persistent remote shell',
  'mines cryptocurrency on idle cores',
];

/** The deterministic seed data: the same 50 threats, with ids 1-50, in every fresh database. */
export function createSeedThreats(): SeedThreat[] {
  const threats: SeedThreat[] = [];
  for (let id = 1; id <= SEED_THREAT_COUNT; id++) {
    const family = FAMILIES[id % FAMILIES.length]!;
    const platform = PLATFORMS[id % PLATFORMS.length]!;
    const name = `${platform}/${family}.${NAMES[(id * 7) % NAMES.length]!}.${String.fromCharCode(65 + (id % 26))}`;
    threats.push({
      id,
      name,
      family,
      severity: SEVERITIES[(id * 3) % SEVERITIES.length]!,
      description: `${name} ${BEHAVIOURS[id % BEHAVIOURS.length]!}.`,
      updatedAt: SEEDED_AT,
    });
  }
  return threats;
}
