/**
 * Field-level helpers both OTLP decoders share, so JSON and protobuf bodies validate ids and
 * shape attributes, scopes and statuses identically: own-property attribute maps, hex id checks
 * and the optional-member shapes of scope and status. Private to the folder.
 */
import { type Attrs, OtlpDecodeError, type ReceivedSpan } from "./_types.ts";

/** Sets an own property even for keys like "__proto__", which plain assignment would swallow. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  // Plain assignment is twice as fast; only "__proto__" would not become an own property.
  if (key !== "__proto__") {
    target[key] = value;
    return;
  }
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A fresh, empty attribute map; one per span, event or kvlist. */
export function emptyAttrs(): Attrs {
  return { values: {}, types: {} };
}

const HEX = /^[0-9a-fA-F]*$/;

/** Checks a `bytes`-byte hex id (not all zero) and lowercases it; `where` prefixes errors. */
export function checkHexId(value: string, bytes: number, where: string): string {
  if (value.length !== bytes * 2 || !HEX.test(value)) {
    throw new OtlpDecodeError(
      `${where}: expected ${bytes * 2} hex chars, got ${JSON.stringify(value)}`,
    );
  }
  if (/^0+$/.test(value)) throw new OtlpDecodeError(`${where}: all-zero id is invalid`);
  return value.toLowerCase();
}

/** Lowercase hex of raw id bytes, so protobuf ids go through the same check as JSON ones. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** A scope with `version` left out when empty, as both decoders report it. */
export function makeScope(name: string, version: string): ReceivedSpan["scope"] {
  return version === "" ? { name } : { name, version };
}

/** A status with `message` left out when empty, as both decoders report it. */
export function makeStatus(code: number, message: string): ReceivedSpan["status"] {
  return message === "" ? { code } : { code, message };
}
