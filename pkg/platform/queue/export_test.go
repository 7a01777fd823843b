package queue

// Backoff is the retry delay function (for tests).
var Backoff = backoff
