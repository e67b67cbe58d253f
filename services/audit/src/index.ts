export { openKeyRing, publicKeyId, readPublicKeys, type KeyRing } from './digests/keys.ts';
export { DigestRecordSchema, signDigest, signatureHolds, linkOf, GENESIS, type DigestRecord } from './digests/record.ts';
export { appendDigest, readDigests, lastDigest, DigestLogError } from './digests/log.ts';
export { startDigestSigner, type DigestSigner, type DigestSignerOptions } from './digests/signer.ts';
export { verifyAgainstDigests, checkTail, type DigestVerification, type TailCheck } from './digests/verify.ts';
export { natsDigestPublisher, DIGEST_STREAM, DIGEST_SUBJECT } from './digests/nats.ts';
export { verifyHistory } from './digests/history.ts';
