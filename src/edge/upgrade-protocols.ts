/**
 * Which `Upgrade` protocols (RFC 9110 §7.8) go upstream, and whether a 101 switches to one of them.
 * `h2c` never goes: RFC 9113 §3.1 deprecates it, and a connection switched to HTTP/2 would carry requests
 * the gateway never routes, authenticates or frames (h2c smuggling).
 */

/** The protocols of a client's `Upgrade` field that the gateway forwards, as a field value; undefined when none. */
export function selectUpgradeProtocols(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const kept: string[] = [];
  for (const member of value.split(',')) {
    const protocol = member.trim();
    if (protocol !== '' && protocolName(protocol) !== 'h2c') kept.push(protocol);
  }
  return kept.length === 0 ? undefined : kept.join(', ');
}

/**
 * True when a 101's `Upgrade` names protocols that were all asked for (RFC 9110 §7.8: the server switches to
 * protocols the client listed). Names compare case-insensitively; a version, when the answer gives one, must match.
 */
export function isAskedSwitch(asked: string, answered: string | string[] | undefined): boolean {
  if (answered === undefined) return false;
  const offered = asked.split(',').map((member) => member.trim().toLowerCase());
  let any = false;
  for (const line of typeof answered === 'string' ? [answered] : answered) {
    for (const member of line.split(',')) {
      const protocol = member.trim().toLowerCase();
      if (protocol === '') continue;
      any = true;
      const matches = protocol.includes('/') ? offered.includes(protocol) : offered.some((offer) => protocolName(offer) === protocol);
      if (!matches) return false;
    }
  }
  return any;
}

/** `protocol-name` of `protocol-name ["/" protocol-version]`, lower-case. */
function protocolName(protocol: string): string {
  const slash = protocol.indexOf('/');
  return (slash === -1 ? protocol : protocol.slice(0, slash)).trim().toLowerCase();
}
