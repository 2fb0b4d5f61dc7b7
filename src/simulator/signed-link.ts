import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Pre-signed result links, S3 style: the path and expiry are signed with a secret only the
 * simulator knows, so a link works without the API key and stops working when it expires.
 */
export class LinkSigner {
  readonly #secret: Buffer;

  /** `secret`: a kept one makes links outlive a restart (the gateway's); a fresh one by default. */
  constructor(secret: Buffer = randomBytes(32)) {
    this.#secret = secret;
  }

  sign(path: string, expiresAtMs: number): string {
    const expires = String(Math.floor(expiresAtMs));
    return `${path}?expires=${expires}&signature=${this.#signature(path, expires)}`;
  }

  /** 'ok', or why the link is refused. */
  verify(
    path: string,
    expires: string | null,
    signature: string | null,
    now: number,
  ): 'ok' | 'bad-signature' | 'expired' {
    if (!expires || !signature || !/^\d+$/.test(expires)) return 'bad-signature';
    const expected = Buffer.from(this.#signature(path, expires));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad-signature';
    return Number(expires) < now ? 'expired' : 'ok';
  }

  #signature(path: string, expires: string): string {
    return createHmac('sha256', this.#secret).update(`${path}\n${expires}`).digest('hex');
  }
}
