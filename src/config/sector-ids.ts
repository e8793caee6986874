/**
 * The sector ids and their one check, apart from the schemas so that a caller needing only these
 * (the CLI's option parsing and help text) does not load zod; src/config/schema.ts re-exports them.
 */
export const SECTOR_IDS = [
  'local-government',
  'health',
  'higher-education',
  'blue-light',
  'private-sector',
  'leadership',
  'other',
] as const;
export type SectorId = (typeof SECTOR_IDS)[number];

/** What every "not a sector id" error says was expected. */
export const SECTOR_IDS_EXPECTED = `expected one of ${SECTOR_IDS.join(', ')}`;

/** The one check that a text is a known sector id; callers raise their own error with SECTOR_IDS_EXPECTED. */
export function isSectorId(value: string): value is SectorId {
  return (SECTOR_IDS as readonly string[]).includes(value);
}
