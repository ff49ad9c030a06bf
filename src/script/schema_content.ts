/** Free content in a script: message text, tool arguments and results. */
import { z } from "zod";

/** Free JSON content: message text, tool arguments and results. Templating is allowed here. */
export const Content = z.json().describe(
  "Free content; strings may use templates: {{date +2d}}, {{pick DHL|UPS}}, {{faker.location.city}}",
);
