/**
 * Dates and amounts as people of a content locale write them: `{{longdate +2d de}}` is
 * "Samstag, 28. November", `{{money 20..90 fr}}` is "47,35". Hand-written tables instead of
 * `Intl`, so the text is the same on every runtime and ICU version.
 */
import type { ContentLocale } from "../script/template.ts";
import { DAYS, MONTHS } from "./calendar.ts";

/** How a date template shows a date: ISO, weekday and day, a time, an ISO timestamp. */
export type DateFormat = "iso" | "long" | "time" | "datetime" | "unix";

interface LocaleNames {
  days: readonly string[];
  months: readonly string[];
  /** The long form of a date: "Saturday 28 November", "samedi 28 novembre". */
  long(day: string, date: number, month: string): string;
  /** The numeric form of a date: "2026-11-28" for en (as before), "28.11.2026" for de. */
  numeric(date: number, month: number, year: number): string;
  /** Thousands separator of amounts from `groupFrom` on; decimal separator. */
  group: string;
  groupFrom: number;
  decimal: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

const LOCALES: Record<ContentLocale, LocaleNames> = {
  en: {
    days: DAYS,
    months: MONTHS,
    long: (day, date, month) => `${day} ${date} ${month}`,
    numeric: (date, month, year) => `${year}-${pad(month)}-${pad(date)}`,
    // Amounts in English content stay plain ("1234.50"), as they always were.
    group: "",
    groupFrom: Infinity,
    decimal: ".",
  },
  de: {
    days: ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
    months: [
      "Januar",
      "Februar",
      "März",
      "April",
      "Mai",
      "Juni",
      "Juli",
      "August",
      "September",
      "Oktober",
      "November",
      "Dezember",
    ],
    long: (day, date, month) => `${day}, ${date}. ${month}`,
    numeric: (date, month, year) => `${pad(date)}.${pad(month)}.${year}`,
    group: ".",
    groupFrom: 1000,
    decimal: ",",
  },
  es: {
    days: ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
    months: [
      "enero",
      "febrero",
      "marzo",
      "abril",
      "mayo",
      "junio",
      "julio",
      "agosto",
      "septiembre",
      "octubre",
      "noviembre",
      "diciembre",
    ],
    long: (day, date, month) => `${day} ${date} de ${month}`,
    numeric: (date, month, year) => `${pad(date)}/${pad(month)}/${year}`,
    // Spanish groups thousands only from five digits on (RAE): 1234,50 but 12.345,50.
    group: ".",
    groupFrom: 10000,
    decimal: ",",
  },
  fr: {
    days: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    months: [
      "janvier",
      "février",
      "mars",
      "avril",
      "mai",
      "juin",
      "juillet",
      "août",
      "septembre",
      "octobre",
      "novembre",
      "décembre",
    ],
    long: (day, date, month) => `${day} ${date} ${month}`,
    numeric: (date, month, year) => `${pad(date)}/${pad(month)}/${year}`,
    group: "\u202f", // a narrow no-break space, as French typography writes 1 234,50
    groupFrom: 1000,
    decimal: ",",
  },
};

/** Formats a date in UTC for a locale, so output does not depend on the machine's time zone. */
export function formatDate(date: Date, format: DateFormat, locale: ContentLocale = "en"): string {
  // Epoch seconds with microseconds, as Slack's message ts and many APIs write a moment.
  if (format === "unix") return (date.getTime() / 1000).toFixed(6);
  const iso = date.toISOString();
  if (format === "time") return iso.slice(11, 16);
  if (format === "datetime") return `${iso.slice(0, 19)}Z`;
  const names = LOCALES[locale];
  if (format === "iso") {
    return names.numeric(date.getUTCDate(), date.getUTCMonth() + 1, date.getUTCFullYear());
  }
  return names.long(
    names.days[date.getUTCDay()],
    date.getUTCDate(),
    names.months[date.getUTCMonth()],
  );
}

/** Formats an amount with two decimals as the locale writes it: 1.234,50 in German. */
export function formatMoney(amount: number, locale: ContentLocale = "en"): string {
  const names = LOCALES[locale];
  const [whole, cents] = amount.toFixed(2).split(".");
  const grouped = Number(whole) >= names.groupFrom
    ? whole.replace(/\B(?=(\d{3})+$)/g, names.group)
    : whole;
  return `${grouped}${names.decimal}${cents}`;
}
