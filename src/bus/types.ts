/**
 * The invalidation and revocation bus: what one member of an instance (a worker process; later, an instance
 * sharing Redis) must tell every other member so that they all answer as one cache with one revocation list.
 *
 * The interface is the seam: the IPC implementation (`src/cluster/ipc-bus.ts`) connects the workers of one
 * supervisor; a Redis-stream implementation can connect instances without the gateway changing.
 */
import type { Revocation } from '../auth/types.ts';
import type { PurgeSelector } from '../cache/store/types.ts';

/** A token revocation entry's selector (`DELETE /revocations`). */
export type RevocationSelector = { readonly jti: string } | { readonly sub: string };

/** One change every member applies to its own state. Plain data, so any transport can carry it. */
export type BusMessage =
  /** An admin purge (URL, prefix or tag; soft marks stale instead of deleting). */
  | { readonly kind: 'purge'; readonly selector: PurgeSelector; readonly soft: boolean }
  /** Primary keys an unsafe method invalidated (RFC 9111 §4.4) in the member that forwarded it. */
  | { readonly kind: 'invalidate'; readonly keys: readonly string[] }
  | { readonly kind: 'revoke'; readonly entry: Revocation }
  | { readonly kind: 'unrevoke'; readonly selector: RevocationSelector };

/** Applies one message to this member; answers how many stored responses it purged (0 for other kinds). */
export type BusHandler = (message: BusMessage) => number | Promise<number>;

export interface InvalidationBus {
  /**
   * Delivers `message` to every other member and resolves once each has applied it, with the sum of their
   * answers (the purged count). The publisher applies the message to itself; the bus never hands it back.
   * Rejects when a member that is still running does not confirm in time: the caller must not report the
   * change as done everywhere.
   */
  publish(message: BusMessage): Promise<number>;
  /** Sets this member's handler; messages from other members arriving before it are applied once it is set. */
  subscribe(handler: BusHandler): void;
}
