// Dates in the community's time zone, money in yuan, rates with their sample.

import { lang, t } from "./i18n.js";

/** The community's IANA zone, read once at start (`community { timeZone }`); UTC until the
 * directory sets one, as the ledger's figures count. */
export let COMMUNITY_TIME_ZONE = "UTC";

export function useCommunityTimeZone(zone) {
  if (zone) COMMUNITY_TIME_ZONE = zone;
}

/** The zone's offset from UTC at an instant, as `+08:00`. */
function utcOffset(zone, at) {
  const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName");
  const offset = part ? part.value.replace("GMT", "") : "";
  return offset === "" ? "+00:00" : offset;
}

function locale() {
  return lang() === "zh" ? "zh-CN" : "en-GB";
}

export function dateTime(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(locale(), {
    timeZone: COMMUNITY_TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(iso));
}

export function date(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(locale(), {
    timeZone: COMMUNITY_TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(iso));
}

/** The calendar year of an instant in the community's zone. */
export function communityYear(iso) {
  return Number(
    new Intl.DateTimeFormat("en-GB", { timeZone: COMMUNITY_TIME_ZONE, year: "numeric" }).format(new Date(iso)),
  );
}

/** `YYYY-MM-DD` picked in a form → the instant that day starts in the community. */
export function dayStart(day) {
  if (!day) return null;
  return `${day}T00:00:00${utcOffset(COMMUNITY_TIME_ZONE, new Date(`${day}T12:00:00Z`))}`;
}

export function money(cents) {
  if (cents === null || cents === undefined) return "—";
  return new Intl.NumberFormat(locale(), { style: "currency", currency: "CNY" }).format(cents / 100);
}

export function count(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

/** A rate as a percentage with one decimal, or — without a sample. */
export function percent(rate) {
  if (!rate || rate.value === null || rate.value === undefined) return "—";
  return `${(rate.value * 100).toFixed(1)}%`;
}

export function shortHash(hex) {
  return hex ? `${hex.slice(0, 12)}…` : "—";
}

/** A `snake_case` value of the API in words (`v.<value>` in the dictionary), else as is. */
export function words(value) {
  if (value === null || value === undefined || value === "") return "—";
  const key = `v.${value}`;
  const text = t(key);
  return text === key ? value.replaceAll("_", " ") : text;
}

/** A past-tense event type (`RequestDispatched`) in words. */
export function eventWords(type) {
  const key = `e.${type}`;
  const text = t(key);
  return text === key ? type.replace(/([a-z])([A-Z])/g, "$1 $2") : text;
}
