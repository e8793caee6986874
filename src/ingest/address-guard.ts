import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { FetchError } from './errors.js';

const GLOBAL_IPV6 = ipaddr.parseCIDR('2000::/3');

/**
 * Links in feeds are untrusted, so by default we only connect to public unicast addresses:
 * no loopback, private, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast...
 * The check runs on the resolved address at connect time, so DNS tricks cannot slip past it.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress())
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (ip.range() !== 'unicast') return false;
  // Global IPv6 unicast is 2000::/3; anything else (e.g. IPv4-compatible ::7f00:1) is refused.
  return ip.kind() === 'ipv4' || ip.match(GLOBAL_IPV6);
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** Which resolved addresses we may connect to. Production: public ones only. */
export type AddressPolicy = (address: string) => boolean;

/** A dns.lookup replacement for the HTTP agent that refuses addresses the policy forbids. */
export function guardedLookup(policy: AddressPolicy = isPublicAddress) {
  return (hostname: string, options: object, callback: LookupCallback): void =>
    lookupWith(policy, hostname, options, callback);
}

function lookupWith(
  policy: AddressPolicy,
  hostname: string,
  options: object,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => !policy(a.address));
    if (blocked) {
      return callback(
        new FetchError(
          'blocked-address',
          `${hostname} resolves to ${blocked.address}, which is not a public address`,
          { permanent: true },
        ),
        [],
      );
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}
