import { sharedKeyOf } from '../../policy/key.ts';
import type { EntryMeta } from '../../policy/entry.ts';
import { createKeyPredicate, isPathSelector } from '../selector.ts';
import type { PurgeSelector } from '../types.ts';
import { authorityOf } from './keys.ts';

/**
 * A purge as recorded in Redis (`<prefix>{purges}`, scored by `at`): what it selected, when, and how.
 *
 * A purge walks the indexes and purges what is there; a fill whose request began before the purge but
 * whose entry is committed after the walk passed its slot is caught by the marker: every put reads the
 * markers newer than its `requestAt` after committing, and purges its own slot again for each that
 * matches. The same records are what a purge event stream carries to other instances' memory tiers.
 */
export interface PurgeMarker {
  readonly selector: PurgeSelector;
  readonly soft: boolean;
  /** The purging instance's clock (epoch ms). */
  readonly at: number;
  /** Unique per purge, so two equal purges in the same millisecond are two members. */
  readonly id: string;
}

export function encodeMarker(marker: PurgeMarker): string {
  return JSON.stringify(marker);
}

export function decodeMarker(value: string): PurgeMarker | undefined {
  try {
    const marker = JSON.parse(value) as PurgeMarker;
    return typeof marker.at === 'number' && typeof marker.selector === 'object' ? marker : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a purge with this selector covers the entry (the memory store's rules, see selector.ts). */
export function selectorMatches(selector: PurgeSelector, meta: EntryMeta): boolean {
  if ('tag' in selector) return meta.tags.includes(selector.tag);
  return createKeyPredicate(selector)(meta.key);
}

/** How the slot purge script filters the primary keys and variants of one shared key's slot. */
export interface SlotFilter {
  readonly kind: 'all' | 'key' | 'prefix' | 'tag';
  readonly value: string;
}

/**
 * The slot filter a selector means in the slot of `sharedKey`: a URL takes every primary key of the shared
 * key (its per-user keys too), a prefix those starting with it (a path prefix on that key's host), a tag the
 * variants carrying it.
 */
export function slotFilterFor(selector: PurgeSelector, sharedKey: string): SlotFilter {
  if ('tag' in selector) return { kind: 'tag', value: selector.tag };
  if ('url' in selector) return { kind: 'all', value: '' };
  const prefix = selector.prefix;
  return { kind: 'prefix', value: isPathSelector(prefix) ? `${authorityOf(sharedKeyOf(sharedKey)) ?? ''}${prefix}` : prefix };
}
