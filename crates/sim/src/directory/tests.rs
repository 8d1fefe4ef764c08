//! Tests of the directory as a whole.
