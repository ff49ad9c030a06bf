/**
 * The faker methods a `{{faker.<module>.<method>}}` template may call: an explicit list, each
 * taking no arguments and giving text or a number (faker_methods_test.ts calls every one). A
 * name not listed is a script error: faker's modules are objects with prototypes, helpers that
 * need arguments (`helpers.arrayElement` throws without them, `helpers.maybe` gives undefined)
 * and methods that give dates, objects or booleans, none of which render as content.
 */

/** The allowed methods per faker module. */
export const FAKER_METHODS: Readonly<Record<string, readonly string[]>> = {
  airline: ["aircraftType", "flightNumber", "recordLocator", "seat"],
  animal: ["bird", "cat", "dog", "fish", "horse", "petName", "type"],
  book: ["author", "format", "genre", "publisher", "series", "title"],
  color: ["human", "rgb"],
  commerce: [
    "department",
    "isbn",
    "price",
    "product",
    "productAdjective",
    "productDescription",
    "productMaterial",
    "productName",
    "upc",
  ],
  company: ["buzzPhrase", "catchPhrase", "name"],
  database: ["collation", "column", "engine", "mongodbObjectId", "type"],
  date: ["month", "timeZone", "weekday"],
  finance: [
    "accountName",
    "accountNumber",
    "amount",
    "bic",
    "creditCardCVV",
    "creditCardIssuer",
    "creditCardNumber",
    "currencyCode",
    "currencyName",
    "currencySymbol",
    "iban",
    "pin",
    "routingNumber",
    "transactionDescription",
    "transactionType",
  ],
  food: ["dish", "fruit", "ingredient", "meat", "spice", "vegetable"],
  git: ["branch", "commitMessage", "commitSha"],
  hacker: ["abbreviation", "adjective", "noun", "phrase", "verb"],
  internet: [
    "displayName",
    "domainName",
    "email",
    "emoji",
    "exampleEmail",
    "httpMethod",
    "httpStatusCode",
    "ip",
    "ipv4",
    "ipv6",
    "jwt",
    "mac",
    "password",
    "port",
    "url",
    "userAgent",
    "username",
  ],
  location: [
    "buildingNumber",
    "city",
    "continent",
    "country",
    "countryCode",
    "county",
    "direction",
    "latitude",
    "longitude",
    "postalAddress",
    "secondaryAddress",
    "state",
    "street",
    "streetAddress",
    "timeZone",
    "zipCode",
  ],
  lorem: ["paragraph", "sentence", "slug", "word", "words"],
  music: ["album", "artist", "genre", "songName"],
  number: ["float", "int"],
  person: [
    "bio",
    "firstName",
    "fullName",
    "jobArea",
    "jobTitle",
    "jobType",
    "lastName",
    "middleName",
    "prefix",
    "suffix",
  ],
  phone: ["imei", "number"],
  string: ["alpha", "alphanumeric", "nanoid", "numeric", "ulid", "uuid"],
  system: [
    "commonFileName",
    "directoryPath",
    "fileExt",
    "fileName",
    "filePath",
    "mimeType",
    "semver",
  ],
  vehicle: ["manufacturer", "model", "type", "vehicle", "vin", "vrm"],
  word: ["adjective", "adverb", "noun", "verb", "words"],
};

const ALLOWED = new Set(
  Object.entries(FAKER_METHODS).flatMap(([module, methods]) =>
    methods.map((m) => `${module}.${m}`)
  ),
);

/** Whether `faker.<module>.<method>` is on the list (never a prototype's property). */
export function isFakerMethod(module: string, method: string): boolean {
  return ALLOWED.has(`${module}.${method}`);
}
