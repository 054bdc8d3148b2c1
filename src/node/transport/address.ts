import type { NodeId } from '../../env/index.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parse `host:port` or `[ipv6]:port`. Throws a message naming `api`. */
export function parseHostPort(address: string, api = 'parseHostPort'): HostPort {
  if (typeof address !== 'string') throw new TypeError(`${api}: address must be a string "host:port"`);
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(address);
  if (m === null) throw new TypeError(`${api}: address must look like "host:port" or "[ipv6]:port", got ${JSON.stringify(address)}`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new RangeError(`${api}: port must be in [1, 65535], got ${port} in ${JSON.stringify(address)}`);
  return { host: m[1] ?? m[2], port };
}

export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

/**
 * Parse a peer list as the CLI takes it: `n1=10.0.0.1:7001,n2=10.0.0.2:7001`
 * (commas or whitespace between entries). Every address is validated.
 */
export function parsePeerList(spec: string): Record<NodeId, string> {
  const peers: Record<NodeId, string> = {};
  for (const entry of spec.split(/[\s,]+/).filter((e) => e !== '')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new TypeError(`parsePeerList: entry must look like "id=host:port", got ${JSON.stringify(entry)}`);
    const id = entry.slice(0, eq);
    const address = entry.slice(eq + 1);
    if (Object.hasOwn(peers, id)) throw new TypeError(`parsePeerList: node id "${id}" appears twice`);
    parseHostPort(address, 'parsePeerList');
    peers[id] = address;
  }
  return peers;
}
