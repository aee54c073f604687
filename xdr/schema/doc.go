// Package schema decodes and encodes XDR by an idl.Spec, the checked
// syntax tree of .x files, without generated code: what wirectl decode
// --schema does.
//
//	spec, err := idl.Load("file.x")
//	t, err := schema.Compile(spec, "file")
//	v, err := t.Unmarshal(data, xdr.Limits{})   // one value, no trailing bytes
//	err = schema.WriteJSON(os.Stdout, v)         // {"filename":"sillyprog",...}
//	v, err = t.Decode(dec)                       // values one after another on an *xdr.Decoder
//	b, err := t.Marshal(jsonValue)               // JSON value (UseNumber) to XDR
//
// Decoding goes through the xdr package's own Decoder, as a type with an
// UnmarshalXDR method would: its Limits, offsets, depth count, padding and
// truncation checks apply unchanged, so hostile input is as safe through a
// schema as through package xdr. Errors are *xdr.Error, with the byte
// offset and the path of .x names:
//
//	xdr: file.type.interpretor: string length 300 exceeds max 255 at offset 20
//
// # JSON
//
// A Value is a tree of items, each with its .x name, kind, offset and
// length. WriteJSON renders it as wirectl decode -o json does, and Encode
// and Marshal take the same JSON back:
//
//	.x                          JSON
//	int, unsigned, hyper        number, exact (hyper and unsigned hyper too)
//	float, double               number; NaN, Infinity, -Infinity as "NaN", "Infinity", "-Infinity"
//	quadruple                   its 16 bytes in lowercase hex
//	bool                        true, false
//	enum                        the identifier: "EXEC"
//	string                      string (see below)
//	opaque x[n], opaque x<n>    lowercase hex: "287175697429"
//	T x[n], T x<n>              array
//	T *x                        null, or the value
//	struct                      object, members in .x order
//	union                       {"<discriminant>": value, "<arm>": value}; a void arm has the discriminant only
//	void                        left out
//
// The RFC 4506 §7 example, 48 bytes, decodes with the RFC's .x text to
//
//	{"filename":"sillyprog","type":{"kind":"EXEC","interpretor":"lisp"},"owner":"john","data":"287175697429"}
//
// JSON keeps every .x name as it is, Go keywords (type) included.
//
// Two things JSON cannot carry exactly. XDR strings are bytes: a string
// that is not valid UTF-8 shows U+FFFD for each invalid byte in JSON (so
// it re-encodes to other, more bytes, which may exceed its bound), and
// Value.Lossy finds such strings so
// that a tool can say so; WriteAnnotate shows the bytes themselves. NaNs
// are all "NaN", and Encode writes one quiet NaN for it (0x7fc00000,
// 0x7ff8000000000000), so other NaN payloads are lost too. Everything else
// round-trips: decoding, writing JSON and encoding it gives the same bytes.
//
// # Limits
//
// On top of xdr.Limits, a Value holds at most MaxItems items, as an
// inspect.Item tree does: a Value costs about 120 bytes an item, and an
// item takes at least 4 bytes of input. Fixed-length opaques are read as
// their bytes arrive, and a schema whose arrays hold elements that take
// no bytes at all (which a count alone could multiply) is refused by
// Compile.
package schema
