package fuzz

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/protocol/store"
)

// FuzzStoreRequest decodes arbitrary bytes as a store request message.
// Properties: no panic; every error is a bad request (the server answers
// ko and keeps serving); a request that decodes encodes again into a
// message that decodes to the same request; memory stays in proportion
// to the input.
func FuzzStoreRequest(f *testing.F) {
	for _, s := range []string{
		`["create","users",{"email":"*str","name":"str","age":"*int"}]`,
		`["insert","users",{"email":"a","name":"a","age":18}]`,
		`["search","users",{"age":{"$gt":10,"$lt":20}},{"limit":5,"skip":1}]`,
		`["update","users",{"_id":"x"},{"email":"c","age":19}]`,
		`["delete","users",{}]`, `["describe"]`, `["destroy","users"]`,
		`["search","users",{},{"linearizable":true}]`, `["join","127.0.0.1:8001","127.0.0.1:18001"]`,
		`["leave","127.0.0.1:8001"]`, `["status"]`, `["status","local"]`,
		`[`, `[]`, `["drop"]`, "[\"describe\",\"\xff\"]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		before := allocatedBytes()
		r, err := store.ParseRequest(data)
		if used, budget := allocatedBytes()-before, uint64(64*len(data)+64<<10); used > budget {
			// The cheap counter is coarse: measure precisely before failing.
			if used = alloc.Least(func() { _, _ = store.ParseRequest(data) }); used > budget {
				t.Fatalf("parsing %d bytes allocated %d (budget %d)", len(data), used, budget)
			}
		}
		if err != nil {
			if !errors.Is(err, store.ErrBadRequest) {
				t.Fatalf("error %v is not a bad request", err)
			}
			return
		}
		var args []any
		if r.Col != "" {
			args = append(args, r.Col)
		}
		switch r.Op {
		case "create":
			args = append(args, r.Schema)
		case "insert":
			args = append(args, r.Doc)
		case "search", "delete":
			args = append(args, r.Query)
			if r.Op == "search" && (r.Limit != 0 || r.Skip != 0 || r.Linearizable) {
				args = append(args, map[string]any{"limit": r.Limit, "skip": r.Skip, "linearizable": r.Linearizable})
			}
		case "update":
			args = append(args, r.Query, r.Changes)
		case "join":
			args = append(args, r.ID, r.RaftAddr)
		case "leave":
			args = append(args, r.ID)
		case "status":
			if r.Local {
				args = append(args, "local")
			}
		}
		msg, err := store.AppendRequest(nil, r.Op, args...)
		if err != nil {
			t.Fatalf("%+v does not encode: %v", r, err)
		}
		again, err := store.ParseRequest(msg)
		if err != nil {
			t.Fatalf("%s re-encodes to %s, which does not decode: %v", data, msg, err)
		}
		a, _ := json.Marshal(r)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Fatalf("%s decodes to %s, its re-encoding %s to %s", data, a, msg, b)
		}
	})
}
