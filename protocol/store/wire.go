// Package store is seed 001's networked JSON document store: collections
// with schemas and secondary indexes on bbolt, a server speaking the
// length-prefixed JSON protocol below, a client and a REPL, and its
// replication on raft.
//
// Each message is a 2-byte big-endian length and that many bytes of UTF-8
// JSON (framing.BE16). A request is an array [op, args...]; a response is
// ["ok", result] or ["ko", reason]:
//
//	["create", col, {"email":"*str","age":"*int"}]   → null
//	["destroy", col]                                 → null
//	["describe"] / ["describe", col]                 → {col: {"schema": {...}, "count": n}}
//	["insert", col, doc]                             → the new _id
//	["search", col, query] / [..., {"limit":n,"skip":m}] → [doc, ...]
//	["update", col, query, changes]                  → documents changed
//	["delete", col, query]                           → documents removed
//	["join", id, raftAddr]                           → null
//	["leave", id]                                    → null
//	["status"] / ["status", "local"]                 → {"id", "state", "leader", ..., "members": [...]}
//
// For example, ["describe"] on the wire is 00 0c 5b 22 64 65 73 63 72 69 62 65 22 5d.
//
// # Replication
//
// A Server of a Node (OpenNode) is a member of a replicated store, on
// github.com/hashicorp/raft; the last three requests are for it. Writes
// are taken by the leader, and answered ok once a majority of members
// has the write in its log (fsync'd) and the leader has applied it. Any
// other member answers a write
//
//	["ko", "not leader; leader is HOST:PORT"]  or  ["ko", "not leader; no leader elected yet"]
//
// with the leader's store address, which the Client follows. A write
// whose leader loses its leadership before the write commits is answered
// a ko that says it may or may not have been applied (ErrUnknownOutcome):
// do not retry it blindly. Reads are answered by any member from its own
// copy, which may be behind the leader's on a follower; the search
// option {"linearizable": true} has the leader check that it still is
// and has applied every committed write first (followers answer the
// hint).
//
// join adds the member id (its store address, host:port) with its raft
// address; leave removes one; both are for the leader. status reports
// the server's state (leader, follower, candidate, shutdown, or
// standalone for a server without a Node), the leader, its term, and
// its applied and commit indexes, and, without "local", each member's
// id, raft_address, suffrage, state (or unreachable, or failed, with an
// error) and applied_index, asking each for a second at most.
package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/wirekit/wirekit/framing"
)

// MaxMessage is the largest message a 2-byte length can carry. A response
// that would be larger is refused with a ko asking for limit/skip.
const MaxMessage = 1<<16 - 1

// Ops are the request operations.
var Ops = []string{"create", "destroy", "describe", "insert", "search", "update", "delete", "join", "leave", "status"}

// Request is a decoded request. Which fields are set depends on Op.
type Request struct {
	Op      string
	Col     string            // all but a describe of everything
	Schema  map[string]string // create
	Doc     map[string]any    // insert: numbers as json.Number
	Query   json.RawMessage   // search, update, delete
	Changes map[string]any    // update: numbers as json.Number
	Limit   int               // search: 0 means no limit
	Skip    int               // search

	Linearizable bool   // search: on the leader, after every write committed before
	ID           string // join, leave: the member's id, its store address
	RaftAddr     string // join: the member's raft address
	Local        bool   // status: this server's own, without asking the members
}

// ErrBadRequest marks a request the server answers with ko and keeps
// serving: malformed JSON, an unknown op, bad arguments.
var ErrBadRequest = errors.New("bad request")

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

// ParseRequest decodes one request message.
func ParseRequest(p []byte) (Request, error) {
	var r Request
	if !utf8.Valid(p) {
		return r, bad("the message is not UTF-8")
	}
	d := json.NewDecoder(bytes.NewReader(p))
	d.UseNumber()
	var args []json.RawMessage
	if err := d.Decode(&args); err != nil {
		return r, bad("malformed JSON: %v", err)
	}
	if d.More() {
		return r, bad("data after the request array")
	}
	if len(args) == 0 {
		return r, bad("empty request: want [op, args...]")
	}
	if err := json.Unmarshal(args[0], &r.Op); err != nil {
		return r, bad("the op must be a string")
	}
	want := map[string][2]int{ // least and most arguments after the op
		"create": {2, 2}, "destroy": {1, 1}, "describe": {0, 1}, "insert": {2, 2},
		"search": {2, 3}, "update": {3, 3}, "delete": {2, 2},
		"join": {2, 2}, "leave": {1, 1}, "status": {0, 1},
	}
	n, ok := want[r.Op]
	if !ok {
		return r, bad("unknown op %q (want one of %s)", r.Op, strings.Join(Ops, ", "))
	}
	args = args[1:]
	if len(args) < n[0] || len(args) > n[1] {
		return r, bad("%s takes %d to %d arguments, got %d", r.Op, n[0], n[1], len(args))
	}
	address := func(raw json.RawMessage, what string) (string, error) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", bad("%s: %s must be a string, host:port", r.Op, what)
		}
		if _, port, err := splitAddr(s); err != nil || port == 0 {
			if err == nil {
				err = errors.New("needs a fixed port")
			}
			return "", bad("%s: %s %q: %v", r.Op, what, s, err)
		}
		return s, nil
	}
	var err error
	switch r.Op {
	case "join", "leave":
		if r.ID, err = address(args[0], "the member id (its store address)"); err == nil && r.Op == "join" {
			r.RaftAddr, err = address(args[1], "the raft address")
		}
		return r, err
	case "status":
		if len(args) == 1 {
			var s string
			if json.Unmarshal(args[0], &s) != nil || s != "local" {
				return r, bad(`status: the only argument is "local"`)
			}
			r.Local = true
		}
		return r, nil
	}
	if len(args) > 0 {
		if err := json.Unmarshal(args[0], &r.Col); err != nil || r.Col == "" {
			return r, bad("%s: the collection must be a non-empty string", r.Op)
		}
	}
	object := func(raw json.RawMessage, what string) (map[string]any, error) {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil || m == nil {
			return nil, bad("%s: %s must be an object", r.Op, what)
		}
		return m, nil
	}
	switch r.Op {
	case "create":
		if err := json.Unmarshal(args[1], &r.Schema); err != nil || r.Schema == nil {
			return r, bad("create: the schema must be an object of type names, like {\"email\":\"*str\"}")
		}
	case "insert":
		r.Doc, err = object(args[1], "the document")
	case "search", "update", "delete":
		if _, err := object(args[1], "the query"); err != nil {
			return r, err
		}
		r.Query = args[1]
		switch {
		case r.Op == "update":
			r.Changes, err = object(args[2], "the changes")
		case r.Op == "search" && len(args) == 3:
			var page struct {
				Limit, Skip  *int
				Linearizable bool
			}
			dec := json.NewDecoder(bytes.NewReader(args[2]))
			dec.DisallowUnknownFields()
			if e := dec.Decode(&page); e != nil || page.Limit != nil && *page.Limit < 0 || page.Skip != nil && *page.Skip < 0 {
				return r, bad("search: options must be {\"limit\": n, \"skip\": m, \"linearizable\": bool} with n, m ≥ 0")
			}
			r.Linearizable = page.Linearizable
			if page.Limit != nil {
				r.Limit = *page.Limit
			}
			if page.Skip != nil {
				r.Skip = *page.Skip
			}
		}
	}
	return r, err
}

// AppendRequest appends the request message [op, args...] (without its
// length) to b.
func AppendRequest(b []byte, op string, args ...any) ([]byte, error) {
	msg, err := json.Marshal(append([]any{op}, args...))
	if err != nil {
		return b, err
	}
	return append(b, msg...), nil
}

// AppendOK appends ["ok", result]; a response over MaxMessage becomes a ko
// asking for limit/skip instead.
func AppendOK(b []byte, result any) []byte {
	msg, err := json.Marshal([]any{"ok", result})
	if err != nil {
		return AppendKO(b, "cannot encode the result: "+err.Error())
	}
	if len(msg) > MaxMessage {
		return AppendKO(b, fmt.Sprintf("response too large: %d bytes exceed %d; use limit/skip", len(msg), MaxMessage))
	}
	return append(b, msg...)
}

// AppendKO appends ["ko", reason].
func AppendKO(b []byte, reason string) []byte {
	msg, _ := json.Marshal([]any{"ko", reason}) // a string always encodes
	return append(b, msg...)
}

// Response is a decoded response.
type Response struct {
	OK     bool
	Result json.RawMessage // ok
	Reason string          // ko
}

// ParseResponse decodes one response message.
func ParseResponse(p []byte) (Response, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(p, &parts); err != nil || len(parts) != 2 {
		return Response{}, fmt.Errorf("store: malformed response %.60q", p)
	}
	var status string
	if err := json.Unmarshal(parts[0], &status); err != nil {
		return Response{}, fmt.Errorf("store: malformed response status %.20q", parts[0])
	}
	switch status {
	case "ok":
		return Response{OK: true, Result: parts[1]}, nil
	case "ko":
		var r Response
		if err := json.Unmarshal(parts[1], &r.Reason); err != nil {
			return Response{}, fmt.Errorf("store: ko without a reason string")
		}
		return r, nil
	}
	return Response{}, fmt.Errorf("store: response status %q, want ok or ko", status)
}

// Reader reads the messages of a stream of either direction, as a capture
// holds them: frames of JSON arrays.
type Reader struct {
	fr  framing.Reader
	off int64
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{fr: framing.NewReader(r, framing.BE16)}
}

// Offset is the stream offset of the next message's length.
func (r *Reader) Offset() int64 { return r.off }

// Read returns the next message, a JSON array, valid until the next call.
// io.EOF at a clean end; framing errors are final.
func (r *Reader) Read() (json.RawMessage, error) {
	p, err := r.fr.ReadFrame()
	if err != nil {
		return nil, err
	}
	start := r.off
	r.off += 2 + int64(len(p))
	if !json.Valid(p) || !bytes.HasPrefix(bytes.TrimLeft(p, " \t\r\n"), []byte("[")) || !utf8.Valid(p) {
		return nil, fmt.Errorf("store: the message at offset %d is not a JSON array", start)
	}
	return p, nil
}

// Sniff reports whether data, the start of a stream, reads as store
// messages: at least one whole frame, each holding a JSON array whose
// first element is a string, and what is left the start of a frame.
func Sniff(data []byte) bool {
	whole := 0
	for len(data) >= 2 {
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			break
		}
		p := bytes.TrimLeft(data[2:2+n], " \t\r\n")
		if !bytes.HasPrefix(p, []byte(`["`)) || !json.Valid(p) {
			return false
		}
		data = data[2+n:]
		whole++
	}
	return whole > 0
}
