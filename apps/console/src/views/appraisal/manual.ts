/** The manual inputs the leading group's office enters: a review sample, an inspection, a fault record. */
export type EntryKind = 'sample' | 'inspection' | 'fault'
