import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPseudonymousId, type IdFormat } from "../script/privacy.ts";
import { Rng } from "./random.ts";
import { UserPool } from "./users.ts";

const FORMATS: { name: string; format?: IdFormat; pattern: RegExp }[] = [
  { name: "the default usr_ + 12 hex", pattern: /^usr_[0-9a-f]{12}$/ },
  {
    name: "cust_ + 8 alnum",
    format: { prefix: "cust_", alphabet: "alnum", length: 8 },
    pattern: /^cust_[a-z0-9]{8}$/,
  },
  {
    name: "a short hex token, where digit-only tokens would be common",
    format: { prefix: "u_", alphabet: "hex", length: 6 },
    pattern: /^u_[0-9a-f]{6}$/,
  },
];

for (const { name, format, pattern } of FORMATS) {
  test(`UserPool draws unique, pseudonymous ids in ${name}`, () => {
    const ids = new UserPool(2_000, new Rng(1, "users"), { format }).ids();
    assert.equal(ids.length, 2_000);
    assert.equal(new Set(ids).size, 2_000);
    for (const id of ids) {
      assert.match(id, pattern);
      assert.equal(checkPseudonymousId(id), undefined, id);
    }
  });
}

test("UserPool is deterministic for a seed: same ids, same picks", () => {
  const a = new UserPool(100, new Rng(9, "users"));
  const b = new UserPool(100, new Rng(9, "users"));
  assert.deepEqual(a.ids(), b.ids());
  const ra = new Rng(2, "pick");
  const rb = new Rng(2, "pick");
  assert.deepEqual(
    Array.from({ length: 200 }, () => a.pick(ra)),
    Array.from({ length: 200 }, () => b.pick(rb)),
  );
  assert.notDeepEqual(new UserPool(100, new Rng(10, "users")).ids(), a.ids());
});

function shares(pool: UserPool, picks: number, seed: number): Map<string, number> {
  const rng = new Rng(seed, "pick");
  const counts = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const id = pool.pick(rng);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

test("UserPool gives the top 10% of 400 users over 40% of 10 000 picks at skew 1.1", () => {
  const pool = new UserPool(400, new Rng(3, "users"));
  const counts = shares(pool, 10_000, 4);
  const top = pool.ids().slice(0, 40).reduce((sum, id) => sum + (counts.get(id) ?? 0), 0);
  // Expected share: H(40, 1.1) / H(400, 1.1) ≈ 0.722; a binomial sigma is 0.0045.
  assert.ok(top / 10_000 > 0.4, `top 10% share ${top / 10_000}`);
  assert.ok(Math.abs(top / 10_000 - 0.722) < 0.02, `top 10% share ${top / 10_000}`);
  // A long tail: most users still come back at least once.
  assert.ok(counts.size > 300, `${counts.size} distinct users`);
});

test("UserPool picks follow the Zipf weights: rank 1 about twice rank 2", () => {
  const pool = new UserPool(50, new Rng(5, "users"), { skew: 1 });
  const counts = shares(pool, 100_000, 6);
  const [first, second, , fourth] = pool.ids().map((id) => counts.get(id) ?? 0);
  const total = 100_000;
  const harmonic = Array.from({ length: 50 }, (_, i) => 1 / (i + 1)).reduce((s, w) => s + w);
  assert.ok(Math.abs(first / total - 1 / harmonic) < 0.01, `rank 1: ${first}`);
  assert.ok(Math.abs(first / second - 2) < 0.1, `rank 1/2: ${first / second}`);
  assert.ok(Math.abs(first / fourth - 4) < 0.3, `rank 1/4: ${first / fourth}`);
});

test("UserPool with skew 0 is uniform", () => {
  const pool = new UserPool(10, new Rng(5, "users"), { skew: 0 });
  const counts = shares(pool, 50_000, 7);
  for (const id of pool.ids()) {
    assert.ok(Math.abs((counts.get(id) ?? 0) - 5_000) < 4 * Math.sqrt(4_500), id);
  }
});

test("UserPool of one user always picks it", () => {
  const pool = new UserPool(1, new Rng(1, "users"));
  const rng = new Rng(1, "pick");
  assert.equal(pool.size, 1);
  assert.ok(Array.from({ length: 10 }, () => pool.pick(rng)).every((id) => id === pool.ids()[0]));
});

test("UserPool refuses bad sizes, skews and formats", () => {
  const rng = new Rng(1, "users");
  assert.throws(() => new UserPool(0, rng), {
    name: "RangeError",
    message: "Cannot make a user pool of 0 users: use a whole number >= 1",
  });
  assert.throws(() => new UserPool(2.5, rng), RangeError);
  assert.throws(() => new UserPool(10, rng, { skew: -1 }), {
    name: "RangeError",
    message: "Cannot use skew -1: use a finite number >= 0",
  });
  assert.throws(
    () => new UserPool(10, rng, { format: { prefix: "email_", alphabet: "hex", length: 12 } }),
    { name: "RangeError", message: /^Cannot make user ids: "email_\{hex:12\}" is named like/ },
  );
  assert.throws(
    () => new UserPool(10, rng, { format: { prefix: "usr_", alphabet: "hex", length: 4 } }),
    RangeError,
  );
  assert.throws(
    () => new UserPool(10_000_000, rng, { format: { prefix: "u_", alphabet: "hex", length: 6 } }),
    {
      name: "RangeError",
      message: "Cannot draw 10000000 unique ids from u_{hex:6}: use a longer token",
    },
  );
});
