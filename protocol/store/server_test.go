package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/wirekit/wirekit/framing"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

// startServer serves a fresh DB (opened with opts) on 127.0.0.1 and
// returns the server and its address. The server is shut down, and the
// DB closed, when the test ends.
// startClient serves a fresh DB (opened with opts) and returns a client
// of it, closed when the test ends, and a context bounding the test's
// calls.
func startClient(t *testing.T, opts Options) (*Client, context.Context) {
	t.Helper()
	addr := startServer(t, &Server{}, opts)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	c, err := Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, ctx
}

func startServer(t *testing.T, s *Server, opts Options) string {
	t.Helper()
	if s.DB == nil {
		db, err := Open(filepath.Join(t.TempDir(), "store.db"), opts)
		if err != nil {
			t.Fatal(err)
		}
		s.DB = db
	}
	if s.ErrorLog == nil {
		s.ErrorLog = log.New(tlogWriter{t}, "", 0)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		s.DB.Close()
	})
	return l.Addr().String()
}

type tlogWriter struct{ t *testing.T }

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Logf("server log: %s", bytes.TrimSpace(p))
	return len(p), nil
}

// raw is a connection that speaks frames of exact bytes.
type raw struct {
	t  *testing.T
	nc net.Conn
	fr framing.Reader
}

func dialRaw(t *testing.T, addr string) *raw {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(testTimeout))
	t.Cleanup(func() { nc.Close() })
	return &raw{t: t, nc: nc, fr: framing.NewReader(nc, framing.BE16)}
}

func (r *raw) write(b []byte) {
	r.t.Helper()
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

func (r *raw) read() string {
	r.t.Helper()
	p, err := r.fr.ReadFrame()
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	return string(p)
}

func (r *raw) roundTrip(req string) string {
	r.t.Helper()
	r.write(frame(req))
	return r.read()
}

// expectClosed checks that the server closes the connection without
// sending anything more.
func (r *raw) expectClosed() {
	r.t.Helper()
	p, err := r.fr.ReadFrame()
	if err != io.EOF {
		r.t.Fatalf("read %q, %v; want the connection closed (io.EOF)", p, err)
	}
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// masked replaces the UUIDs in a response with <id>.
func masked(resp string) string { return uuidRE.ReplaceAllString(resp, "<id>") }

// check compares a response with want: an exact message (UUIDs masked), or
// "ko: substring" for a ko whose reason contains substring.
func check(t *testing.T, req, got, want string) {
	t.Helper()
	if sub, ok := strings.CutPrefix(want, "ko: "); ok {
		var resp []string
		if json.Unmarshal([]byte(got), &resp) != nil || len(resp) != 2 || resp[0] != "ko" || !strings.Contains(resp[1], sub) {
			t.Errorf("%s\n got %s\nwant a ko mentioning %q", req, got, sub)
		}
		return
	}
	if masked(got) != want {
		t.Errorf("%s\n got %s\nwant %s", req, masked(got), want)
	}
}

// TestProtocol runs the DESIGN.md protocol table, and every way to get a
// ko, over one connection; after each ko the connection must still
// answer a good request.
func TestProtocol(t *testing.T) {
	addr := startServer(t, &Server{}, Options{NoSync: true})
	c := dialRaw(t, addr)

	steps := []struct{ req, want string }{
		{`["describe"]`, `["ok",{}]`},
		{`["create","users",{"email":"*str","name":"str","age":"*int"}]`, `["ok",null]`},
		{`["create","pets",{"name":"str","w":"float","ok":"bool"}]`, `["ok",null]`},
		{`["describe"]`, `["ok",{"pets":{"schema":{"name":"str","ok":"bool","w":"float"},"count":0},"users":{"schema":{"age":"*int","email":"*str","name":"str"},"count":0}}]`},
		{`["describe","users"]`, `["ok",{"users":{"schema":{"age":"*int","email":"*str","name":"str"},"count":0}}]`},
		{`["insert","users",{"email":"a","name":"a","age":18}]`, `["ok","<id>"]`},
		{`["insert","users",{"email":"b","name":"b","age":32}]`, `["ok","<id>"]`},
		{`["insert","users",{"email":"c","age":15}]`, `["ok","<id>"]`},
		{` [ "insert" , "pets" , {"name":"rex","w":12.5,"ok":true} ] `, `["ok","<id>"]`},
		{`["describe","users"]`, `["ok",{"users":{"schema":{"age":"*int","email":"*str","name":"str"},"count":3}}]`},
		{`["search","users",{"age":{"$gt":10,"$lt":20}}]`, `["ok",[{"_id":"<id>","age":15,"email":"c"},{"_id":"<id>","age":18,"email":"a","name":"a"}]]`},
		{`["search","users",{"email":"b"}]`, `["ok",[{"_id":"<id>","age":32,"email":"b","name":"b"}]]`},
		{`["search","users",{"age":{"$gte":0}},{"limit":2}]`, `["ok",[{"_id":"<id>","age":15,"email":"c"},{"_id":"<id>","age":18,"email":"a","name":"a"}]]`},
		{`["search","users",{"age":{"$gte":0}},{"limit":1,"skip":1}]`, `["ok",[{"_id":"<id>","age":18,"email":"a","name":"a"}]]`},
		{`["search","users",{"age":{"$gte":0}},{"skip":2}]`, `["ok",[{"_id":"<id>","age":32,"email":"b","name":"b"}]]`},
		{`["search","users",{"age":{"$ne":18},"name":"b"}]`, `["ok",[{"_id":"<id>","age":32,"email":"b","name":"b"}]]`},
		{`["search","users",{"email":"nobody"}]`, `["ok",[]]`},
		{`["search","pets",{}]`, `["ok",[{"_id":"<id>","name":"rex","ok":true,"w":12.5}]]`},
		{`["update","users",{"email":"a"},{"email":"d","age":19}]`, `["ok",1]`},
		{`["search","users",{"email":"d"}]`, `["ok",[{"_id":"<id>","age":19,"email":"d","name":"a"}]]`},
		{`["update","users",{"age":{"$lt":100}},{"name":"z"}]`, `["ok",3]`},
		{`["update","users",{"email":"nobody"},{"name":"z"}]`, `["ok",0]`},
		{`["delete","users",{"age":{"$lt":20}}]`, `["ok",2]`},
		{`["search","users",{}]`, `["ok",[{"_id":"<id>","age":32,"email":"b","name":"z"}]]`},
		{`["destroy","pets"]`, `["ok",null]`},
		{`["describe"]`, `["ok",{"users":{"schema":{"age":"*int","email":"*str","name":"str"},"count":1}}]`},

		// Malformed messages.
		{``, `ko: malformed JSON`},
		{`["describe"`, `ko: malformed JSON`},
		{`{"op":"describe"}`, `ko: malformed JSON`},
		{`"describe"`, `ko: malformed JSON`},
		{`[]`, `ko: empty request`},
		{`["describe"] ["describe"]`, `ko: data after`},
		{`[42]`, `ko: op must be a string`},
		{`["drop","users"]`, `ko: unknown op "drop"`},
		{`["DESCRIBE"]`, `ko: unknown op`},
		// Wrong argument counts and types.
		{`["create","x"]`, `ko: create takes 2 to 2 arguments, got 1`},
		{`["destroy"]`, `ko: destroy takes 1 to 1 arguments, got 0`},
		{`["describe","users","x"]`, `ko: describe takes 0 to 1 arguments, got 2`},
		{`["insert","users"]`, `ko: insert takes 2 to 2 arguments, got 1`},
		{`["search","users"]`, `ko: search takes 2 to 3 arguments, got 1`},
		{`["search","users",{},{},{}]`, `ko: search takes 2 to 3 arguments, got 4`},
		{`["update","users",{}]`, `ko: update takes 3 to 3 arguments, got 2`},
		{`["delete","users"]`, `ko: delete takes 2 to 2 arguments, got 1`},
		{`["destroy",7]`, `ko: collection must be a non-empty string`},
		{`["destroy",""]`, `ko: collection must be a non-empty string`},
		{`["create","x",["email"]]`, `ko: schema must be an object`},
		{`["create","x",{"email":7}]`, `ko: schema must be an object`},
		{`["insert","users",[1]]`, `ko: the document must be an object`},
		{`["insert","users",null]`, `ko: the document must be an object`},
		{`["search","users","email"]`, `ko: the query must be an object`},
		{`["search","users",{},{"limit":-1}]`, `ko: options must be`},
		{`["search","users",{},{"top":1}]`, `ko: options must be`},
		{`["update","users",{},7]`, `ko: the changes must be an object`},
		// Collections and schemas.
		{`["create","users",{"email":"str"}]`, `ko: collection already exists`},
		{`["create","x",{"email":"string"}]`, `ko: unknown type "string"`},
		{`["create","x",{"_id":"str"}]`, `ko: must not start with _`},
		{`["describe","nobody"]`, `ko: "nobody": no such collection`},
		{`["destroy","nobody"]`, `ko: no such collection`},
		{`["insert","nobody",{}]`, `ko: no such collection`},
		{`["search","nobody",{}]`, `ko: no such collection`},
		{`["update","nobody",{},{}]`, `ko: no such collection`},
		{`["delete","nobody",{}]`, `ko: no such collection`},
		{`["insert","users",{"email":"e","phone":"1"}]`, `ko: field "phone": not in the schema`},
		{`["insert","users",{"email":"e","age":"18"}]`, `ko: field "age": want int, got string`},
		{`["insert","users",{"email":"e","age":18.5}]`, `ko: field "age": want int`},
		{`["insert","users",{"email":1}]`, `ko: field "email": want str, got number`},
		{`["insert","users",{"_id":"x"}]`, `ko: field "_id"`},
		{`["update","users",{},{"age":"old"}]`, `ko: field "age": want int`},
		{`["update","users",{},{"phone":"1"}]`, `ko: field "phone": not in the schema`},
		// Queries.
		{`["search","users",{"age":{"$regex":"1"}}]`, `ko: unknown operator "$regex"`},
		{`["search","users",{"age":{}}]`, `ko: empty operator object`},
		{`["search","users",{"age":[1]}]`, `ko: a query value must be`},
		{`["search","users",{"phone":"1"}]`, `ko: phone`},
		{`["search","users",{"age":"x"}]`, `ko: age`},
		{`["delete","users",{"age":{"$gt":"x"}}]`, `ko: age`},
		// Nothing above changed the data.
		{`["describe"]`, `["ok",{"users":{"schema":{"age":"*int","email":"*str","name":"str"},"count":1}}]`},
	}
	for _, st := range steps {
		got := c.roundTrip(st.req)
		check(t, st.req, got, st.want)
		if strings.HasPrefix(st.want, "ko: ") {
			if got := c.roundTrip(`["describe","users"]`); !strings.HasPrefix(got, `["ok",`) {
				t.Fatalf("after the ko for %s, describe got %s", st.req, got)
			}
		}
	}

	// An insert's result is a fresh UUID.
	var resp []string
	if err := json.Unmarshal([]byte(c.roundTrip(`["insert","users",{"email":"u"}]`)), &resp); err != nil {
		t.Fatal(err)
	}
	if _, err := uuid.Parse(resp[1]); err != nil || len(resp[1]) != 36 {
		t.Errorf("insert returned %q, not a UUID", resp[1])
	}
	got := c.roundTrip(fmt.Sprintf(`["search","users",{"_id":%q}]`, resp[1]))
	check(t, "search by _id", got, `["ok",[{"_id":"<id>","email":"u"}]]`)
}

// A reason quoting a huge argument is cut, so the ko still fits a frame.
func TestLongReasonIsCut(t *testing.T) {
	addr := startServer(t, &Server{}, Options{NoSync: true})
	c := dialRaw(t, addr)
	op := strings.Repeat("\"", 30000) // %q doubles it
	got := c.roundTrip(`["` + strings.ReplaceAll(op, `"`, `\"`) + `"]`)
	check(t, "huge op", got, "ko: unknown op")
	if len(got) > 2*maxReason {
		t.Errorf("the ko is %d bytes", len(got))
	}
	check(t, "describe", c.roundTrip(`["describe"]`), `["ok",{}]`)
}

func TestResponseTooLarge(t *testing.T) {
	s := &Server{}
	addr := startServer(t, s, Options{NoSync: true})
	c := dialRaw(t, addr)
	check(t, "create", c.roundTrip(`["create","big",{"n":"*int","s":"str"}]`), `["ok",null]`)
	const docs = 80 // 80 × ~1,060 bytes > 65,535
	pad := strings.Repeat("x", 1000)
	var batch []byte
	for i := range docs {
		batch = append(batch, frame(fmt.Sprintf(`["insert","big",{"n":%d,"s":%q}]`, i, pad))...)
	}
	c.write(batch)
	for range docs {
		check(t, "insert", c.read(), `["ok","<id>"]`)
	}

	got := c.roundTrip(`["search","big",{}]`)
	check(t, "search everything", got, "ko: response too large")
	check(t, "search everything", got, "ko: limit/skip")
	for _, tc := range []struct {
		opts string
		want int
	}{
		{`{"limit":10}`, 10},
		{`{"limit":50,"skip":50}`, 30},
		{`{"skip":79}`, 1},
		{`{"skip":80}`, 0},
	} {
		got := c.roundTrip(`["search","big",{"n":{"$gte":0}},` + tc.opts + `]`)
		var resp []json.RawMessage
		var results []map[string]any
		if json.Unmarshal([]byte(got), &resp) != nil || string(resp[0]) != `"ok"` || json.Unmarshal(resp[1], &results) != nil {
			t.Fatalf("search with %s: %.200s", tc.opts, got)
		}
		if len(results) != tc.want {
			t.Errorf("search with %s: %d results, want %d", tc.opts, len(results), tc.want)
		}
	}
	// A narrower query is the other way out.
	if got := masked(c.roundTrip(`["search","big",{"n":79}]`)); !strings.HasPrefix(got, `["ok",[{"_id":"<id>","n":79,"s":"xxx`) {
		t.Errorf("search n=79: %.100s", got)
	}
}

// A frame the server cannot read closes that connection and no other.
func TestUnreadableFrameClosesOnlyThatConnection(t *testing.T) {
	addr := startServer(t, &Server{}, Options{NoSync: true})
	other := dialRaw(t, addr)
	check(t, "other", other.roundTrip(`["describe"]`), `["ok",{}]`)

	for _, tc := range []struct {
		name string
		send []byte
	}{
		{"payload not UTF-8", []byte{0, 4, '[', '"', 0xff, 0xfe}},
		{"invalid UTF-8 after a good request", append(frame(`["describe"]`), 0, 3, '[', 0xed, ']')},
		{"cut short at the end of the stream", []byte{0, 12, '[', '"', 'd', 'e'}},
		{"header cut short", []byte{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, addr)
			c.write(tc.send)
			if tc.name == "invalid UTF-8 after a good request" {
				check(t, "describe", c.read(), `["ok",{}]`)
			}
			if strings.Contains(tc.name, "cut short") {
				c.nc.(*net.TCPConn).CloseWrite()
			}
			c.expectClosed()
			check(t, "other", other.roundTrip(`["describe"]`), `["ok",{}]`)
		})
	}
}

func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	addr := startServer(t, &Server{}, Options{NoSync: true})
	c := dialRaw(t, addr)
	reqs := []string{
		`["create","p",{"n":"*int"}]`,
		`["insert","p",{"n":1}]`,
		`["nonsense"]`,
		`["insert","p",{"n":2}]`,
		`["search","p",{}]`,
		`["update","p",{"n":1},{"n":3}]`,
		`["search","p",{"n":{"$gt":0}}]`,
		`["delete","p",{}]`,
		`["describe","p"]`,
	}
	wants := []string{
		`["ok",null]`,
		`["ok","<id>"]`,
		`ko: unknown op "nonsense"`,
		`["ok","<id>"]`,
		"", // two documents in _id order, checked below
		`["ok",1]`,
		`["ok",[{"_id":"<id>","n":2},{"_id":"<id>","n":3}]]`,
		`["ok",2]`,
		`["ok",{"p":{"schema":{"n":"*int"},"count":0}}]`,
	}
	var all []byte
	for _, r := range reqs {
		all = append(all, frame(r)...)
	}
	c.write(all) // one write, several frames
	for i, r := range reqs {
		got := c.read()
		if i == 4 {
			if n := strings.Count(got, `"_id"`); n != 2 {
				t.Errorf("%s: got %s, want two documents", r, got)
			}
			continue
		}
		check(t, r, got, wants[i])
	}
}

func TestMaxConns(t *testing.T) {
	addr := startServer(t, &Server{MaxConns: 2}, Options{NoSync: true})
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	check(t, "a", a.roundTrip(`["describe"]`), `["ok",{}]`)
	check(t, "b", b.roundTrip(`["describe"]`), `["ok",{}]`)

	c := dialRaw(t, addr)
	check(t, "third", c.read(), "ko: too many connections")
	c.expectClosed()
	check(t, "a still served", a.roundTrip(`["describe"]`), `["ok",{}]`)

	// Once a connection closes, its slot is free again; the server sees
	// the close asynchronously, so retry for a while.
	a.nc.Close()
	deadline := time.Now().Add(testTimeout)
	for {
		d := dialRaw(t, addr)
		d.write(frame(`["describe"]`))
		got := d.read()
		if got == `["ok",{}]` {
			break
		}
		check(t, "retry", got, "ko: too many connections")
		if time.Now().After(deadline) {
			t.Fatal("the slot of a closed connection was not freed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIdleTimeout(t *testing.T) {
	// The busy connection's gaps are a twentieth of the timeout, so that
	// only a stall of most of a second (a loaded CI machine running the
	// cluster tests beside this) could make it look idle.
	const timeout = time.Second
	addr := startServer(t, &Server{IdleTimeout: timeout}, Options{NoSync: true})
	idle, busy := dialRaw(t, addr), dialRaw(t, addr)
	check(t, "idle", idle.roundTrip(`["describe"]`), `["ok",{}]`)
	start := time.Now()
	// The busy connection keeps talking past the idle timeout.
	for time.Since(start) < 2*timeout {
		check(t, "busy", busy.roundTrip(`["describe"]`), `["ok",{}]`)
		time.Sleep(timeout / 20)
	}
	idle.expectClosed()
	if d := time.Since(start); d < timeout {
		t.Errorf("closed after %v", d)
	}
	check(t, "busy", busy.roundTrip(`["describe"]`), `["ok",{}]`)
}

// Shutdown lets a write under way finish and answers it, closes idle
// connections, and refuses new ones.
func TestShutdownFinishesInFlightWrite(t *testing.T) {
	// A durable DB with a long batch delay keeps the insert in flight.
	db, err := Open(filepath.Join(t.TempDir(), "store.db"), Options{BatchDelay: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Create("c", mustSchema(t, map[string]string{"n": "int"})); err != nil {
		t.Fatal(err)
	}
	s := &Server{DB: db, ErrorLog: log.New(tlogWriter{t}, "", 0)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	addr := l.Addr().String()

	busy, idle := dialRaw(t, addr), dialRaw(t, addr)
	check(t, "idle", idle.roundTrip(`["describe","c"]`), `["ok",{"c":{"schema":{"n":"int"},"count":0}}]`)
	// The second request is pipelined behind the insert: shutting down
	// answers the request being executed, not those queued after it.
	busy.write(append(frame(`["insert","c",{"n":1}]`), frame(`["insert","c",{"n":2}]`)...))
	time.Sleep(150 * time.Millisecond) // the insert is waiting for its batch

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	start := time.Now()
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(ctx) }()

	idle.expectClosed()
	got := busy.read()
	check(t, "in-flight insert", got, `["ok","<id>"]`)
	busy.expectClosed()
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("Shutdown returned after %v, before the insert could commit", d)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve returned %v", err)
	}
	if err := s.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Shutdown returned %v", err)
	}
	if nc, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		nc.Close()
		t.Error("the listener still accepts after Shutdown")
	}
	docs, err := db.Search("c", Query{}, 0, 0)
	if err != nil || len(docs) != 1 || docs[0][idField] != uuidRE.FindString(got) {
		t.Errorf("after Shutdown the collection holds %v, %v; want the acknowledged insert only", docs, err)
	}
}

func TestShutdownContextExpires(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "store.db"), Options{BatchDelay: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Create("c", mustSchema(t, map[string]string{"n": "int"})); err != nil {
		t.Fatal(err)
	}
	// The insert fails when the DB closes under it; that is logged.
	s := &Server{DB: db, ErrorLog: log.New(io.Discard, "", 0)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	c := dialRaw(t, l.Addr().String())
	c.write(frame(`["insert","c",{"n":1}]`))
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown returned %v, want DeadlineExceeded", err)
	}
	// Closed abruptly: the response is lost.
	if p, err := c.fr.ReadFrame(); err == nil {
		t.Fatalf("read %s after an abrupt shutdown", p)
	}
}

func TestClient(t *testing.T) {
	c, ctx := startClient(t, Options{NoSync: true})

	if err := c.Create(ctx, "users", map[string]string{"email": "*str", "name": "str", "age": "*int", "w": "float"}); err != nil {
		t.Fatal(err)
	}
	err := c.Create(ctx, "users", map[string]string{"email": "str"})
	var ko *KOError
	if !errors.As(err, &ko) || !strings.Contains(ko.Reason, "already exists") || !strings.HasPrefix(err.Error(), "store: ko: ") {
		t.Fatalf("second Create: %v", err)
	}

	ids := map[string]string{}
	for _, u := range []struct {
		email string
		age   int
	}{{"a", 18}, {"b", 32}, {"c", 15}} {
		id, err := c.Insert(ctx, "users", map[string]any{"email": u.email, "name": u.email, "age": u.age, "w": 1.5})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := uuid.Parse(id); err != nil {
			t.Fatalf("Insert returned %q", id)
		}
		ids[u.email] = id
	}
	if _, err := c.Insert(ctx, "users", map[string]any{"phone": "1"}); !errors.As(err, &ko) || !strings.Contains(ko.Reason, `"phone"`) {
		t.Fatalf("Insert with an unknown field: %v", err)
	}

	all, err := c.Describe(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	one, err := c.Describe(ctx, "users")
	if err != nil {
		t.Fatal(err)
	}
	want := Description{Schema: map[string]string{"email": "*str", "name": "str", "age": "*int", "w": "float"}, Count: 3}
	if fmt.Sprint(all) != fmt.Sprint(map[string]Description{"users": want}) || fmt.Sprint(one) != fmt.Sprint(all) {
		t.Fatalf("Describe: %v and %v", all, one)
	}

	docs, err := c.Search(ctx, "users", map[string]any{"age": map[string]any{"$gt": 10, "$lt": 20}}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0]["email"] != "c" || docs[1]["email"] != "a" || docs[0]["_id"] != ids["c"] {
		t.Fatalf("Search: %v", docs)
	}
	if age, ok := docs[0]["age"].(json.Number); !ok || age != "15" {
		t.Errorf("age is %#v, want json.Number(\"15\")", docs[0]["age"])
	}
	if w, ok := docs[0]["w"].(json.Number); !ok || w != "1.5" {
		t.Errorf("w is %#v, want json.Number(\"1.5\")", docs[0]["w"])
	}
	page, err := c.Search(ctx, "users", map[string]any{"age": map[string]any{"$gte": 0}}, 1, 2)
	if err != nil || len(page) != 1 || page[0]["email"] != "b" {
		t.Fatalf("Search limit 1 skip 2: %v, %v", page, err)
	}
	if all, err := c.Search(ctx, "users", nil, 0, 0); err != nil || len(all) != 3 {
		t.Fatalf("Search everything: %v, %v", all, err)
	}

	n, err := c.Update(ctx, "users", map[string]any{"_id": ids["a"]}, map[string]any{"email": "d", "age": 19})
	if err != nil || n != 1 {
		t.Fatalf("Update: %d, %v", n, err)
	}
	if docs, err := c.Search(ctx, "users", map[string]any{"email": "d"}, 0, 0); err != nil || len(docs) != 1 || docs[0]["age"] != json.Number("19") {
		t.Fatalf("Search after Update: %v, %v", docs, err)
	}
	if _, err := c.Search(ctx, "users", map[string]any{"age": map[string]any{"$like": 1}}, 0, 0); !errors.As(err, &ko) {
		t.Fatalf("bad operator: %v", err)
	}
	n, err = c.Delete(ctx, "users", map[string]any{"age": map[string]any{"$lt": 20}})
	if err != nil || n != 2 {
		t.Fatalf("Delete: %d, %v", n, err)
	}
	if err := c.Destroy(ctx, "users"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Describe(ctx, "users"); !errors.As(err, &ko) || !strings.Contains(ko.Reason, "no such collection") {
		t.Fatalf("Describe after Destroy: %v", err)
	}
	if all, err := c.Describe(ctx, ""); err != nil || len(all) != 0 {
		t.Fatalf("Describe everything: %v, %v", all, err)
	}

	// A request too large to frame fails without breaking the client.
	if _, err := c.Insert(ctx, "users", map[string]any{"email": strings.Repeat("x", MaxMessage)}); err == nil || errors.As(err, &ko) {
		t.Fatalf("huge Insert: %v", err)
	}
	if _, err := c.Describe(ctx, ""); err != nil {
		t.Fatalf("after a refused huge request: %v", err)
	}

	c.Close()
	if _, err := c.Describe(ctx, ""); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestClientConcurrentCalls(t *testing.T) {
	c, ctx := startClient(t, Options{NoSync: true})
	if err := c.Create(ctx, "c", map[string]string{"n": "*int"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				n := g*100 + i
				id, err := c.Insert(ctx, "c", map[string]any{"n": n})
				if err != nil {
					t.Error(err)
					return
				}
				docs, err := c.Search(ctx, "c", map[string]any{"n": n}, 0, 0)
				if err != nil || len(docs) != 1 || docs[0]["_id"] != id {
					t.Errorf("Search n=%d: %v, %v", n, docs, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A broken connection fails the call under way and every later one.
func TestClientBrokenConnection(t *testing.T) {
	// A server that reads requests and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			defer nc.Close()
			go io.Copy(io.Discard, nc)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	_, err = c.Describe(short, "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Describe against a silent server: %v", err)
	}
	_, err = c.Describe(ctx, "")
	if err == nil || !strings.Contains(err.Error(), "connection broken") {
		t.Fatalf("the call after a timeout: %v", err)
	}

	// Cancellation without a deadline interrupts the call too.
	c2, err := Dial(ctx, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	cctx, cancelC := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancelC)
	if _, err := c2.Describe(cctx, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Describe: %v", err)
	}

	// The server going away fails the call and every later one.
	srv := &Server{}
	addr := startServer(t, srv, Options{NoSync: true})
	c3, err := Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if _, err := c3.Describe(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c3.Describe(ctx, ""); err == nil {
		t.Fatal("Describe on a connection the server closed succeeded")
	}
	if _, err := c3.Describe(ctx, ""); err == nil || !strings.Contains(err.Error(), "connection broken") {
		t.Fatalf("the call after that: %v", err)
	}
}
