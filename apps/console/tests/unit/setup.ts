// async-validator (Element Plus forms) logs every failed rule to console.warn outside production;
// the tests assert on the rendered messages instead.
;(globalThis as { ASYNC_VALIDATOR_NO_WARNING?: number }).ASYNC_VALIDATOR_NO_WARNING = 1
