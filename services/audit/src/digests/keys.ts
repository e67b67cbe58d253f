import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A key's id: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
export function publicKeyId(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/**
 * The Ed25519 keys that sign digests, in a directory (mode 0700): `<kid>.key` (PKCS#8 PEM,
 * 0600) and `<kid>.pub` (SPKI PEM) per key, and `current` naming the one that signs. A
 * rotation adds a key and moves `current`; old keys stay, so every digest they signed still
 * verifies. Only public keys ever leave the directory (`exportPublicKeys`).
 */
export interface KeyRing {
  readonly dir: string;
  /** The signing key (created on first use). */
  current(): { keyId: string; privateKey: KeyObject; publicKey: KeyObject };
  /** Every public key, by id (the current and all rotated-out ones). */
  publicKeys(): Map<string, KeyObject>;
  /** A new signing key; the old ones keep verifying. Returns the new key id. */
  rotate(): string;
  /** All public keys as concatenated PEM: what an auditor is given. */
  exportPublicKeys(): string;
}

export function openKeyRing(dir: string): KeyRing {
  const ensureDir = () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  };
  const create = (): string => {
    ensureDir();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const kid = publicKeyId(publicKey);
    writeFileSync(join(dir, `${kid}.key`), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, `${kid}.pub`), publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    // rename is atomic: a crash leaves the old `current` or the new one, never half a name
    writeFileSync(join(dir, 'current.tmp'), `${kid}\n`, { mode: 0o600 });
    renameSync(join(dir, 'current.tmp'), join(dir, 'current'));
    return kid;
  };
  const ring: KeyRing = {
    dir,
    current() {
      const file = join(dir, 'current');
      const kid = existsSync(file) ? readFileSync(file, 'utf8').trim() : create();
      const privateKey = createPrivateKey(readFileSync(join(dir, `${kid}.key`), 'utf8'));
      return { keyId: kid, privateKey, publicKey: createPublicKey(privateKey) };
    },
    publicKeys() {
      const out = new Map<string, KeyObject>();
      if (!existsSync(dir)) return out;
      for (const name of readdirSync(dir)) {
        if (!name.endsWith('.pub')) continue;
        const key = createPublicKey(readFileSync(join(dir, name), 'utf8'));
        out.set(publicKeyId(key), key);
      }
      return out;
    },
    rotate: create,
    exportPublicKeys() {
      if (!existsSync(join(dir, 'current'))) ring.current();
      return [...ring.publicKeys().values()].map((k) => k.export({ type: 'spki', format: 'pem' }).toString()).join('');
    },
  };
  return ring;
}

/** Every public key in a PEM file (one or several concatenated blocks), by id. */
export function readPublicKeys(pem: string): Map<string, KeyObject> {
  const out = new Map<string, KeyObject>();
  for (const block of pem.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? []) {
    const key = createPublicKey(block);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('a digest public key must be Ed25519');
    out.set(publicKeyId(key), key);
  }
  if (out.size === 0) throw new Error('no PEM public key found (expected -----BEGIN PUBLIC KEY-----)');
  return out;
}
