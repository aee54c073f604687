package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestParseRequest(t *testing.T) {
	ok := []struct {
		in   string
		want Request
	}{
		{`["create","users",{"email":"*str","age":"*int"}]`, Request{Op: "create", Col: "users", Schema: map[string]string{"email": "*str", "age": "*int"}}},
		{`["destroy","users"]`, Request{Op: "destroy", Col: "users"}},
		{`["describe"]`, Request{Op: "describe"}},
		{`["describe","users"]`, Request{Op: "describe", Col: "users"}},
		{`["insert","users",{"email":"a","age":18}]`, Request{Op: "insert", Col: "users", Doc: map[string]any{"email": "a", "age": json.Number("18")}}},
		{`["search","users",{}]`, Request{Op: "search", Col: "users", Query: json.RawMessage(`{}`)}},
		{`["search","users",{"age":{"$gt":10}},{"limit":5,"skip":2}]`, Request{Op: "search", Col: "users", Query: json.RawMessage(`{"age":{"$gt":10}}`), Limit: 5, Skip: 2}},
		{`["update","users",{"email":"a"},{"age":19}]`, Request{Op: "update", Col: "users", Query: json.RawMessage(`{"email":"a"}`), Changes: map[string]any{"age": json.Number("19")}}},
		{`["delete","users",{"email":"a"}]`, Request{Op: "delete", Col: "users", Query: json.RawMessage(`{"email":"a"}`)}},
		{`["search","users",{},{"linearizable":true}]`, Request{Op: "search", Col: "users", Query: json.RawMessage(`{}`), Linearizable: true}},
		{`["join","127.0.0.1:8001","127.0.0.1:18001"]`, Request{Op: "join", ID: "127.0.0.1:8001", RaftAddr: "127.0.0.1:18001"}},
		{`["leave","127.0.0.1:8001"]`, Request{Op: "leave", ID: "127.0.0.1:8001"}},
		{`["status"]`, Request{Op: "status"}},
		{`["status","local"]`, Request{Op: "status", Local: true}},
	}
	for _, tt := range ok {
		got, err := ParseRequest([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(tt.want)
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s:\n got %s\nwant %s", tt.in, gb, wb)
		}
	}
	bad := []struct{ in, reason string }{
		{`["create","users"`, "malformed JSON"},
		{`{"op":"create"}`, "malformed JSON"},
		{`[]`, "empty request"},
		{`[1]`, "op must be a string"},
		{`["drop","users"]`, `unknown op "drop"`},
		{`["insert","users"]`, "insert takes 2 to 2 arguments, got 1"},
		{`["insert","",{}]`, "collection must be a non-empty string"},
		{`["insert","users",[1]]`, "the document must be an object"},
		{`["search","users",5]`, "the query must be an object"},
		{`["search","users",{},{"limit":-1}]`, "options must be"},
		{`["search","users",{},{"top":1}]`, "options must be"},
		{`["update","users",{},null]`, "the changes must be an object"},
		{`["create","users",{"a":1}]`, "schema must be an object of type names"},
		{`["describe"] []`, "data after the request array"},
		{"[\"describe\",\"\xff\"]", "not UTF-8"},
		{`["search","users",{},{"linearizable":1}]`, "options must be"},
		{`["join","127.0.0.1:8001"]`, "join takes 2 to 2 arguments"},
		{`["join","127.0.0.1:8001",18001]`, "the raft address must be a string"},
		{`["join","here","127.0.0.1:18001"]`, `the member id (its store address) "here"`},
		{`["leave",""]`, "leave: the member id"},
		{`["status","all"]`, `the only argument is "local"`},
		{`["status","local",1]`, "status takes 0 to 1 arguments"},
	}
	for _, tt := range bad {
		_, err := ParseRequest([]byte(tt.in))
		if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s: %v, want a bad request about %q", tt.in, err, tt.reason)
		}
	}
}

func TestResponses(t *testing.T) {
	b := AppendOK(nil, "4f1c")
	if string(b) != `["ok","4f1c"]` {
		t.Errorf("ok: %s", b)
	}
	r, err := ParseResponse(b)
	if err != nil || !r.OK || string(r.Result) != `"4f1c"` {
		t.Errorf("parse ok: %+v, %v", r, err)
	}
	b = AppendKO(nil, "no such collection \"x\"")
	if r, err := ParseResponse(b); err != nil || r.OK || r.Reason != `no such collection "x"` {
		t.Errorf("parse ko: %+v, %v", r, err)
	}
	// A result too large for a frame is a ko asking for limit/skip.
	big := AppendOK(nil, strings.Repeat("x", MaxMessage))
	if r, err := ParseResponse(big); err != nil || r.OK || !strings.Contains(r.Reason, "use limit/skip") {
		t.Errorf("too large: %+v, %v", r, err)
	}
	for _, in := range []string{`["ok"]`, `["maybe",1]`, `["ko",1]`, `{}`} {
		if _, err := ParseResponse([]byte(in)); err == nil {
			t.Errorf("%s parsed", in)
		}
	}
}

func frame(msgs ...string) []byte {
	var b []byte
	for _, m := range msgs {
		b = append(b, byte(len(m)>>8), byte(len(m)))
		b = append(b, m...)
	}
	return b
}

func TestReaderAndSniff(t *testing.T) {
	data := frame(`["describe"]`, `["ok",{}]`)
	r := NewReader(bytes.NewReader(data))
	for _, want := range []string{`["describe"]`, `["ok",{}]`} {
		m, err := r.Read()
		if err != nil || string(m) != want {
			t.Fatalf("%s, %v; want %s", m, err, want)
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Errorf("end: %v", err)
	}
	if _, err := NewReader(bytes.NewReader(frame(`{"a":1}`))).Read(); err == nil {
		t.Error("an object read as a message")
	}
	if !Sniff(data) || !Sniff(data[:len(data)-2]) {
		t.Error("Sniff refuses a store stream")
	}
	for _, in := range [][]byte{data[:5], frame(`{"a":1}`), frame(`[1]`), {0, 0x10, 0xff}} {
		if Sniff(in) {
			t.Errorf("Sniff(% x) = true", in)
		}
	}
	if Sniff(append([]byte{0, 3}, "abc"...)) {
		t.Error("Sniff takes non-JSON")
	}
}
