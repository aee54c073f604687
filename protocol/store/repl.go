package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// REPLHelp is what the REPL's help command prints: seed 001's, and
// status and leave.
const REPLHelp = `Available commands within the prompt
  help: show this message

addcol <name> {key=val,}+: add a new collection with the specified schema
rmcol <name>: remove de specified collection
desc: describe the store
status: show the replication: leader, members, their state
leave <id>: remove the member <id> (its address) from the cluster

add <col> {key=val,}+: add a new document with the specified attributes
search <col> <query>: obtain all the documents which meet the specified query
update <col> <query> {key=val,}+: update the documents meeting the query
remove <col> <query>: remove the documents which meet the specified query
exit: close the current connection
`

// REPL is seed 001's command line over a Client: a "db > " prompt, one
// command per line, replies as the seed's session shows them. Fields
// print in the order addcol gave them in this session, and sorted
// otherwise (the protocol's schemas are objects, without an order).
type REPL struct {
	c     *Client
	order map[string][]string // collection → field order from addcol
}

// NewREPL returns a REPL that sends its commands through c.
func NewREPL(c *Client) *REPL { return &REPL{c: c, order: map[string][]string{}} }

// Run reads commands from in until exit or the end of in, writing the
// prompt and replies to out. Errors from the server (ko) and mistakes in
// a command are printed, and the session goes on; Run returns an error
// only when the connection or out fails.
func (r *REPL) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	w := bufio.NewWriter(out)
	defer w.Flush()
	for {
		fmt.Fprint(w, "db > ")
		if err := w.Flush(); err != nil {
			return err
		}
		if !sc.Scan() {
			fmt.Fprintln(w, "\nBye")
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if line == "exit" {
			fmt.Fprintln(w, "Bye")
			return nil
		}
		reply, err := r.do(ctx, line)
		var ko *KOError
		switch {
		case errors.As(err, &ko):
			reply = "Error: " + ko.Reason
		case errors.Is(err, errUsage):
			reply = "Error: " + strings.TrimPrefix(err.Error(), errUsage.Error()+": ")
		case err != nil:
			fmt.Fprintln(w, "Error:", err)
			return err
		}
		fmt.Fprintln(w, reply)
	}
}

var errUsage = errors.New("usage")

func usage(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

func (r *REPL) do(ctx context.Context, line string) (string, error) {
	cmd, rest, _ := strings.Cut(line, " ")
	args := strings.Fields(rest)
	switch cmd {
	case "help":
		return strings.TrimSuffix(REPLHelp, "\n"), nil
	case "addcol":
		if len(args) < 2 {
			return "", usage("addcol <name> {key=val,}+")
		}
		schema := map[string]string{}
		var order []string
		for _, kv := range pairs(args[1:]) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return "", usage("%q: want key=type", kv)
			}
			name, indexed := strings.CutPrefix(k, "*")
			if indexed {
				v = "*" + v
			}
			schema[name] = v
			order = append(order, name)
		}
		if err := r.c.Create(ctx, args[0], schema); err != nil {
			return "", err
		}
		r.order[args[0]] = order
		return "Col added.", nil
	case "rmcol":
		if len(args) != 1 {
			return "", usage("rmcol <name>")
		}
		if err := r.c.Destroy(ctx, args[0]); err != nil {
			return "", err
		}
		delete(r.order, args[0])
		return "Col removed.", nil
	case "desc":
		d, err := r.c.Describe(ctx, "")
		if err != nil {
			return "", err
		}
		var b strings.Builder
		names := make([]string, 0, len(d))
		for n := range d {
			names = append(names, n)
		}
		slices.Sort(names)
		if len(names) == 0 {
			return "No collections.", nil
		}
		for i, n := range names {
			if i > 0 {
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "%s (%d docs)", n, d[n].Count)
			for _, f := range r.fields(n, d[n].Schema) {
				fmt.Fprintf(&b, "\n  %s: %s", f, d[n].Schema[f])
			}
		}
		return b.String(), nil
	case "status":
		st, err := r.c.Status(ctx)
		if err != nil {
			return "", err
		}
		if st.State == "standalone" {
			return "Standalone (not replicated).", nil
		}
		leader := st.Leader
		if leader == "" {
			leader = "none known"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s, term %d, applied %d, committed %d; leader %s", st.ID, st.State, st.Term, st.AppliedIndex, st.CommitIndex, leader)
		for _, m := range st.Members {
			fmt.Fprintf(&b, "\n- %s (raft %s, %s): %s", m.ID, m.RaftAddress, m.Suffrage, m.State)
			if m.Error != "" {
				fmt.Fprintf(&b, " (%s)", m.Error)
			} else {
				fmt.Fprintf(&b, ", applied %d", m.AppliedIndex)
			}
		}
		return b.String(), nil
	case "leave":
		if len(args) != 1 {
			return "", usage("leave <id>")
		}
		if err := r.c.Leave(ctx, args[0]); err != nil {
			return "", err
		}
		return "Member " + args[0] + " left.", nil
	case "add":
		if len(args) < 2 {
			return "", usage("add <col> {key=val,}+")
		}
		doc, err := values(pairs(args[1:]), r.types(ctx, args[0]))
		if err != nil {
			return "", err
		}
		id, err := r.c.Insert(ctx, args[0], doc)
		if err != nil {
			return "", err
		}
		return "Doc added with _id " + id + ".", nil
	case "search":
		if len(args) < 1 {
			return "", usage("search <col> <query>")
		}
		q, err := query(args[1:], r.types(ctx, args[0]))
		if err != nil {
			return "", err
		}
		docs, err := r.c.Search(ctx, args[0], q, 0, 0)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		b.WriteString("Results:")
		for _, d := range docs {
			fmt.Fprintf(&b, "\n- id: %v", d["_id"])
			keys := make(map[string]string, len(d))
			for k := range d {
				if k != "_id" {
					keys[k] = ""
				}
			}
			for _, k := range r.fields(args[0], keys) {
				fmt.Fprintf(&b, "\n  %s: %v", k, d[k])
			}
		}
		return b.String(), nil
	case "update":
		if len(args) < 3 {
			return "", usage("update <col> <query> {key=val,}+")
		}
		types := r.types(ctx, args[0])
		q, err := query(args[1:len(args)-1], types)
		if err != nil {
			return "", err
		}
		changes, err := values(pairs(args[len(args)-1:]), types)
		if err != nil {
			return "", err
		}
		n, err := r.c.Update(ctx, args[0], q, changes)
		if err != nil {
			return "", err
		}
		return counted(n, "updated"), nil
	case "remove":
		if len(args) < 1 {
			return "", usage("remove <col> <query>")
		}
		q, err := query(args[1:], r.types(ctx, args[0]))
		if err != nil {
			return "", err
		}
		n, err := r.c.Delete(ctx, args[0], q)
		if err != nil {
			return "", err
		}
		return counted(n, "removed"), nil
	}
	return "", usage("unknown command %q (try help)", cmd)
}

// counted is the seed's "Doc updated." for one document, and a count
// otherwise.
func counted(n int, what string) string {
	if n == 1 {
		return "Doc " + what + "."
	}
	return fmt.Sprintf("%d docs %s.", n, what)
}

// fields lists the keys of m in addcol's order for col, then the rest
// sorted.
func (r *REPL) fields(col string, m map[string]string) []string {
	var out []string
	for _, f := range r.order[col] {
		if _, ok := m[f]; ok {
			out = append(out, f)
		}
	}
	var rest []string
	for f := range m {
		if !slices.Contains(out, f) {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// pairs splits key=val items given with spaces or commas between them.
func pairs(args []string) []string {
	var out []string
	for _, a := range args {
		for p := range strings.SplitSeq(a, ",") {
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// types are the field types of col ("str", "int", ...), nil if it cannot
// be described: values are then read as literal reads them, and the
// server says what does not fit.
func (r *REPL) types(ctx context.Context, col string) map[string]string {
	d, err := r.c.Describe(ctx, col)
	if err != nil {
		return nil
	}
	types := map[string]string{}
	for f, t := range d[col].Schema {
		types[f] = strings.TrimPrefix(t, "*")
	}
	return types
}

// values turns key=val items into a document, each value read as its
// field's type says (see typed).
func values(kvs []string, types map[string]string) (map[string]any, error) {
	doc := map[string]any{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usage("%q: want key=value", kv)
		}
		doc[k] = typed(v, types[k])
	}
	return doc, nil
}

// typed reads v as a value of type t: str is the text as it is, int and
// float a number, bool true or false. An unknown type (or field) reads an
// integer, a number, true or false if it can, and text otherwise.
func typed(v, t string) any {
	switch t {
	case "str", "_id":
		return v
	case "int", "float":
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return json.Number(v)
		}
		return v // not a number: the server says the field wants one
	case "bool":
		if v == "true" || v == "false" {
			return v == "true"
		}
		return v
	}
	return literal(v)
}

func literal(v string) any {
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return json.Number(v)
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return json.Number(v)
	}
	if v == "true" || v == "false" {
		return v == "true"
	}
	return v
}

// query turns conditions like age>10, email=a, age<=20, name!=x into a
// query object.
func query(args []string, types map[string]string) (map[string]any, error) {
	q := map[string]any{}
	for _, c := range args {
		i := strings.IndexAny(c, "=<>!")
		if i <= 0 {
			return nil, usage("%q: want field=value, field>value, field<value, field>=value, field<=value or field!=value", c)
		}
		field, rest := c[:i], c[i:]
		op := ""
		for _, o := range []struct{ sym, op string }{{">=", "$gte"}, {"<=", "$lte"}, {"!=", "$ne"}, {">", "$gt"}, {"<", "$lt"}, {"=", "$eq"}} {
			if v, ok := strings.CutPrefix(rest, o.sym); ok {
				op, rest = o.op, v
				break
			}
		}
		if op == "" {
			return nil, usage("%q: no operator", c)
		}
		cond, _ := q[field].(map[string]any)
		if cond == nil {
			cond = map[string]any{}
			q[field] = cond
		}
		t := types[field]
		if field == "_id" {
			t = "_id"
		}
		cond[op] = typed(rest, t)
	}
	return q, nil
}
