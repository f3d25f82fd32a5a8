//! Registry (台账) import and export: spreadsheets in, `AccountSpec`s out.
