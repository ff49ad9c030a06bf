/**
 * Langfuse's API key check for the fake server: Basic base64(publicKey:secretKey). The same rule
 * as export/receiver.ts, which keeps its copy private. Private to the folder.
 */
import { Buffer } from "node:buffer";

/** A project's key pair. */
export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

/** 401 for a missing, malformed or wrong Basic key, 403 for a Bearer token, else undefined. */
export function checkBasicAuth(header: string | undefined, keys: KeyPair): 401 | 403 | undefined {
  if (header === undefined || header.trim() === "") return 401;
  const [scheme, token = ""] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === "bearer") return 403;
  if (scheme.toLowerCase() !== "basic") return 401;
  const decoded = Buffer.from(token, "base64").toString("utf8");
  return decoded === `${keys.publicKey}:${keys.secretKey}` ? undefined : 401;
}
