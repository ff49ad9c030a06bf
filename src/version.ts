/** The tool version, sent as the instrumentation scope and resource service.version. */
export const VERSION = "0.1.0";
