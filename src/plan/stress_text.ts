/**
 * Text for stress payloads: sentences that read like a support agent's working notes (orders,
 * shipments, policies, numbers), drawn from a seed, with text in other scripts when asked:
 * accents, CJK, Arabic and Hebrew (right to left), and characters outside the Basic
 * Multilingual Plane (emoji, CJK Extension B, mathematical letters), which JSON and UTF-16
 * readers mishandle first. Pure.
 */
import type { Rng } from "./random.ts";

const SUBJECTS = [
  "The customer",
  "Order",
  "The warehouse in Leipzig",
  "Our returns policy",
  "The courier",
  "The billing system",
  "Ticket",
  "The replacement unit",
  "The refund",
  "Support tier 2",
];
const VERBS = [
  "confirmed",
  "reported",
  "scheduled",
  "flagged",
  "reissued",
  "escalated",
  "updated",
  "cancelled",
  "approved",
  "requested",
];
const OBJECTS = [
  "the delivery window for Thursday",
  "a partial refund of the shipping fee",
  "the invoice with the corrected VAT number",
  "a second pickup at the front desk",
  "the warranty claim for the charger",
  "the address change to the new office",
  "an exchange for the larger size",
  "the tracking link the customer could not open",
  "a callback between 9:00 and 11:00",
  "the missing item from the parcel",
];
const TAILS = [
  "after checking the account history.",
  "as agreed in the previous message.",
  "and noted it in the case file.",
  "because the label had been printed twice.",
  "before the cut-off at 17:00 CET.",
  "with the reference the customer gave.",
  "while the carrier investigates.",
  "once the payment cleared.",
];

/** Sentences in other scripts, each as a speaker of that language would write it. */
const UNICODE = [
  "Die Lieferung nach Zürich verzögert sich um zwei Tage; Grüße aus Köln.",
  "Le colis est arrivé à Besançon, mais l'étiquette était abîmée.",
  "El reembolso se procesará en 5–7 días hábiles, señora Muñoz.",
  "ご注文の商品は明日発送されます。追跡番号をメールでお送りしました。",
  "您的退款申请已批准，款项将在三个工作日内退回。",
  "주문하신 상품이 오늘 출고되었습니다. 감사합니다.",
  "تم شحن طلبك اليوم، وسيصل خلال ثلاثة أيام عمل.",
  "ההזמנה שלך נשלחה היום ותגיע תוך שלושה ימי עסקים.",
  "Ваш заказ передан в службу доставки, номер отслеживания в письме.",
  "Η επιστροφή χρημάτων εγκρίθηκε σήμερα.",
  "आपका ऑर्डर कल तक पहुँच जाएगा।",
  "Thanks so much 🙏 the parcel 📦 finally arrived 🎉",
  "Rating: ⭐⭐⭐⭐ 👍🏽, would order again 🇩🇪",
  "Ref 𠀋𠂢𠂤 for the Hong Kong branch; formula 𝔘(𝑥) = 𝟙",
  "Family order 👩‍👩‍👧‍👦 split across 2 parcels 🚚💨",
];

/** One sentence drawn from `rng`; with `unicode`, one in three is in another script. */
export function stressSentence(rng: Rng, unicode: boolean): string {
  if (unicode && rng.next() < 1 / 3) return rng.pick(UNICODE);
  const subject = rng.pick(SUBJECTS);
  const numbered = subject === "Order" || subject === "Ticket"
    ? `${subject} ${rng.int(10_000, 99_999)}`
    : subject;
  return `${numbered} ${rng.pick(VERBS)} ${rng.pick(OBJECTS)} ${rng.pick(TAILS)}`;
}

/** A paragraph of three to six sentences. */
export function stressParagraph(rng: Rng, unicode: boolean): string {
  const count = rng.int(3, 6);
  return Array.from({ length: count }, () => stressSentence(rng, unicode)).join(" ");
}

/** Bytes of `text` in UTF-8. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair: one code point of four bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Bytes `text` takes inside a JSON string, quotes left out. */
export function jsonStringBytes(text: string): number {
  return utf8Bytes(JSON.stringify(text)) - 2;
}
