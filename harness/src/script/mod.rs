//! packetdrill-dialect scripts: lexer, parser and syntax tree.
