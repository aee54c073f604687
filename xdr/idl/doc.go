// Package idl parses the rpcgen language of .x files (RFC 4506 §6 and
// RFC 5531 §12) into a checked syntax tree, which xdr/gen turns into Go
// code and wirectl uses to decode XDR without generated code.
//
//	spec, err := idl.Load("square.x")   // parse and check, errors as file:line:col
//	def := spec.Lookup("square_in")     // *idl.Def{Kind: StructDef, ...}
//	n, _ := spec.Constant("SQUARE_PROG") // 0x31230000
//
// The whole language is accepted: const (decimal, hex, octal, negative),
// typedef, enum, struct, union switch with case lists and a default in any
// position, program/version/procedure, opaque and string with [n] and <n>,
// T x[n], T x<n>, T x<>, optional-data T *x, hyper, unsigned hyper,
// unsigned alone, quadruple, bool, inline struct/union/enum bodies, C-style
// references (struct foo x), forward declarations (struct foo;), comments
// /* */ and //, % pass-through lines, # preprocessor lines (ignored),
// Stellar's namespace x { ... }, and rpcgen's long, short and char (4-byte
// integers). Some rpcgen files lean on the C library: a "%#define NAME
// value" line with an integer expression becomes a constant (one that
// evaluates to no integer, because it names a C macro, is left to C
// unless the .x files use it), string constants are kept (but are not
// integers), and netobj, des_block, u_int and friends are known types
// unless a file defines them.
//
// Check reports, with positions, what the grammar cannot: undefined and
// duplicate names (struct members and union arms too), constants out of
// range or defined in terms of themselves, bounds and case values that
// are not integer constants, discriminants that are not int, unsigned
// int, bool or an enum, case values outside the discriminant's enum or
// repeated, repeated version and procedure numbers, typedefs defined in
// terms of themselves, and types that contain themselves with no way to
// end (recursion must go through optional-data or a variable-length
// array, which can be empty). Names may be used before their definition,
// in the same file or another.
package idl
