import type { Config } from '../config/load.js';
import type { SectorId } from '../config/schema.js';
import type { Recipient } from './render.js';
import { publicUrl } from './view.js';

/** No subscriber in particular: the web archive's copy and a rendered file link to the general pages. */
export function genericRecipient(config: Config, sectors?: readonly SectorId[]): Recipient {
  return {
    unsubscribeUrl: publicUrl(config, 'unsubscribe'),
    preferencesUrl: publicUrl(config, 'preferences'),
    sectors,
  };
}

/** A recipient with realistic-length links, for measuring and checking a message. */
export function sampleRecipient(config: Config): Recipient {
  const token = 'x'.repeat(43);
  return {
    unsubscribeUrl: `${publicUrl(config, 'unsubscribe')}?token=${token}`,
    preferencesUrl: `${publicUrl(config, 'preferences')}?token=${token}`,
  };
}
