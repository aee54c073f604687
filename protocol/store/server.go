package store

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/internal/netserve"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown.
var ErrServerClosed = errors.New("store: server closed")

// Defaults of the Server's limits.
const (
	DefaultMaxConns    = 1024
	DefaultIdleTimeout = 2 * time.Minute
)

// writeTimeout bounds the write of one response, so that a peer that
// sends requests but never reads the answers cannot pin a connection.
const writeTimeout = 30 * time.Second

// maxReason is the longest ko reason the server sends; a reason quoting a
// huge argument is cut, so that the response always fits in a frame.
const maxReason = 1024

// Server serves a DB, or a Node of a replicated store, over the store
// protocol (see the package doc). Each
// connection has one goroutine that reads a request, executes it and
// writes its response before it reads the next one, so the responses come
// in request order.
//
//	db, _ := store.Open("data.db", store.Options{})
//	s := &store.Server{DB: db}
//	go s.ListenAndServe("127.0.0.1:7000")
//	...
//	s.Shutdown(ctx) // then db.Close()
//
// With a Node, reads (describe, search) read the node's DB, which may be
// behind the leader's on a follower, and writes go through the leader
// (see Node).
//
//	n, _ := store.OpenNode(store.NodeConfig{Dir: "db1", Addr: "127.0.0.1:8000"})
//	s := &store.Server{Node: n}
//	go s.ListenAndServe("127.0.0.1:8000")
//	...
//	s.Shutdown(ctx) // then n.Close()
//
// A request that cannot be executed (malformed JSON, an unknown op, bad
// arguments, a schema violation) is answered ["ko", reason] and the
// connection stays usable. A frame that cannot be read (cut short, or
// not UTF-8) closes that connection without an answer: the stream can no
// longer be trusted.
type Server struct {
	DB *DB

	// Node, when set, is served instead of DB.
	Node *Node

	// MaxConns is the most connections served at once; zero means
	// DefaultMaxConns. A connection over the limit is answered
	// ["ko", "too many connections ..."] and closed.
	MaxConns int

	// IdleTimeout closes a connection that has sent no request for that
	// long; zero means DefaultIdleTimeout, negative never.
	IdleTimeout time.Duration

	// ErrorLog receives internal errors (I/O, a corrupt or closed DB) and
	// accept failures; nil means the log package's standard logger.
	ErrorLog *log.Logger

	mu        sync.Mutex
	closing   bool
	ctx       context.Context // ends when Shutdown begins: long requests (a join) give up
	cancel    context.CancelFunc
	listeners netserve.Listeners
	conns     map[*serverConn]struct{}
	wg        sync.WaitGroup // one per serving connection
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l and serves each in its own goroutine. It
// closes l when it returns, which after Shutdown is with ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	if s.DB == nil && s.Node == nil {
		l.Close()
		return errors.New("store: Server.DB and Server.Node are nil")
	}
	maxConns := s.MaxConns
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	return s.listeners.Serve(l, "store", ErrServerClosed, s.logf, func(nc net.Conn) {
		s.mu.Lock()
		switch {
		case s.closing:
			s.mu.Unlock()
			nc.Close()
			return
		case len(s.conns) >= maxConns:
			s.mu.Unlock()
			// The ko fits in the socket buffer, so this does not block
			// the accept loop; the deadline covers the odd case.
			nc.SetWriteDeadline(time.Now().Add(time.Second))
			framing.NewWriter(nc, framing.BE16).WriteFrame(AppendKO(nil, fmt.Sprintf("too many connections (the limit is %d); try again later", maxConns)))
			nc.Close()
			return
		}
		if s.conns == nil {
			s.conns = map[*serverConn]struct{}{}
		}
		c := &serverConn{s: s, nc: nc}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.serve()
	})
}

// Shutdown stops the server gracefully: it closes the listeners, closes
// the connections waiting for a request, and lets each connection that is
// executing a request finish it and write its response before closing it.
// It returns when every connection is closed, or with ctx's error when ctx
// ends first, after closing the remaining connections abruptly (a write
// under way still completes in the DB, but its response is lost). Close
// the DB only after Shutdown returns nil.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	if s.cancel != nil {
		s.cancel()
	}
	s.listeners.Close()
	for c := range s.conns {
		c.stop()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

type serverConn struct {
	s  *Server
	nc net.Conn

	// mu orders stop against the read deadline the loop sets before each
	// request: either the loop sees stopping, or stop's deadline comes
	// after the loop's and interrupts its read.
	mu       sync.Mutex
	stopping bool
}

// stop makes the connection close once its current request, if any, is
// answered.
func (c *serverConn) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopping = true
	c.nc.SetReadDeadline(time.Now())
}

// next prepares to read the next request; false means stop instead.
func (c *serverConn) next() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping {
		return false
	}
	var deadline time.Time
	switch idle := c.s.IdleTimeout; {
	case idle == 0:
		deadline = time.Now().Add(DefaultIdleTimeout)
	case idle > 0:
		deadline = time.Now().Add(idle)
	}
	c.nc.SetReadDeadline(deadline)
	return true
}

func (c *serverConn) serve() {
	defer func() {
		c.nc.Close()
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
		c.s.wg.Done()
	}()
	fr := framing.NewReader(c.nc, framing.BE16, framing.MaxFrame(MaxMessage))
	fw := framing.NewWriter(c.nc, framing.BE16)
	var out []byte
	for c.next() {
		p, err := fr.ReadFrame()
		if err != nil {
			// The peer is done (io.EOF), went idle, was stopped, or
			// sent a frame cut short: nothing to answer either way.
			return
		}
		if !utf8.Valid(p) {
			return // not a store message at all; the stream is suspect
		}
		out = c.s.respond(out[:0], p)
		c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err := fw.WriteFrame(out); err != nil {
			return
		}
	}
}

// context returns a context that ends when Shutdown begins.
func (s *Server) context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		if s.closing {
			s.cancel()
		}
	}
	return s.ctx
}

// respond executes the request message p and appends its response to b.
func (s *Server) respond(b, p []byte) []byte {
	req, err := ParseRequest(p)
	if err != nil {
		return appendKO(b, err)
	}
	result, err := s.execute(req)
	if err != nil {
		if !forClient(err) {
			s.logf("store: %s %q: %v", req.Op, req.Col, err)
			return AppendKO(b, req.Op+": internal error (logged by the server)")
		}
		return appendKO(b, err)
	}
	return AppendOK(b, result)
}

// forClient reports whether err's text is for the client: an error of
// the request, or of the cluster's state that the client can act on. The
// others (I/O, a corrupt DB) are logged, and the client told only that
// there was one.
func forClient(err error) bool {
	var notLeader *NotLeaderError
	return errors.Is(err, ErrBadRequest) || errors.As(err, &notLeader) || errors.Is(err, ErrUnknownOutcome) ||
		errors.Is(err, ErrNodeFailed) || errors.Is(err, ErrNodeClosed) || errors.Is(err, ErrNotCaughtUp) ||
		errors.Is(err, ErrBusy)
}

// engine is what a Server serves: a DB, or a Node.
type engine interface {
	Create(col string, s Schema) error
	Destroy(col string) error
	Describe(col string) (map[string]Description, error)
	Insert(col string, doc map[string]any) (string, error)
	Search(col string, q Query, limit, skip int) ([]map[string]any, error)
	Update(col string, q Query, changes map[string]any) (int, error)
	Delete(col string, q Query) (int, error)
}

func (s *Server) execute(req Request) (any, error) {
	var db engine = s.DB
	n := s.Node
	if n != nil {
		db = n
		if err := n.fsm.failure(); err != nil {
			return nil, err
		}
	}
	switch req.Op {
	case "join", "leave", "status":
		if n == nil {
			if req.Op == "status" {
				return Status{State: "standalone"}, nil
			}
			return nil, fmt.Errorf("%s: %w", req.Op, badRequest("this server is not replicated"))
		}
		switch {
		case req.Op == "join":
			return nil, n.Join(s.context(), req.ID, req.RaftAddr)
		case req.Op == "leave":
			return nil, n.Leave(req.ID)
		case req.Local:
			return n.LocalStatus()
		}
		return n.Status(context.Background())
	case "create":
		schema, err := ParseSchema(req.Schema)
		if err != nil {
			return nil, fmt.Errorf("create %q: schema: %w", req.Col, err)
		}
		return nil, db.Create(req.Col, schema)
	case "destroy":
		return nil, db.Destroy(req.Col)
	case "describe":
		return db.Describe(req.Col)
	case "insert":
		return db.Insert(req.Col, req.Doc)
	}
	q, err := ParseQuery(req.Query)
	if err != nil {
		return nil, fmt.Errorf("%s %q: query: %w", req.Op, req.Col, err)
	}
	switch req.Op {
	case "search":
		if req.Linearizable && n != nil {
			if err := n.Barrier(); err != nil {
				return nil, err
			}
		}
		return db.Search(req.Col, q, req.Limit, req.Skip)
	case "update":
		return db.Update(req.Col, q, req.Changes)
	case "delete":
		return db.Delete(req.Col, q)
	}
	// ParseRequest knows the ops; this is a bug, not a bad request.
	return nil, fmt.Errorf("op %q has no handler", req.Op)
}

// appendKO appends ["ko", reason] for a bad request's error, without the
// package prefix and cut to maxReason bytes.
func appendKO(b []byte, err error) []byte {
	reason := strings.TrimPrefix(err.Error(), "store: ")
	if len(reason) > maxReason {
		cut := maxReason
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut] + "…"
	}
	return AppendKO(b, reason)
}
