/** For the specs of kafkajs' patched internals: a logger that says nothing, in kafkajs' logger shape. */
export const silentKafkajsLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
