// The Go oracle: answers one batch of questions about Go's own formatting and parsing, so
// rawconf's Rust reproductions (harness/src/goformat, harness/src/inputs) can be checked
// against the real standard library, byte for byte.
//
// Usage: go-oracle REQUESTS ANSWERS
//
// REQUESTS holds one JSON object per line, {"op": ..., <operands>}; ANSWERS gets one JSON
// object per line, in the same order. Floats travel as the decimal text of their IEEE 754 bit
// pattern ("bits"), never as JSON numbers, so no decimal conversion can blur a case. Every
// answer echoes nothing but results: the caller pairs them with its requests by position.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ghodss/yaml"
	"github.com/vmihailenco/msgpack/v5"
	"google.golang.org/protobuf/types/known/structpb"
)

type request struct {
	Op      string          `json:"op"`
	Bits    string          `json:"bits"`
	S       string          `json:"s"`
	Ns      int64           `json:"ns"`
	Sec     int64           `json:"sec"`
	Nsec    int64           `json:"nsec"`
	Pattern string          `json:"pattern"`
	Name    string          `json:"name"`
	Value   json.RawMessage `json:"value"`
	Lit     lit             `json:"lit"`
}

// answer: only the fields an op sets are written.
type answer struct {
	Out     *string `json:"out,omitempty"`
	Err     *string `json:"err,omitempty"`
	Bits    *string `json:"bits,omitempty"`
	Int     *int64  `json:"int,omitempty"`
	Bool    *bool   `json:"bool,omitempty"`
	Sec     *int64  `json:"sec,omitempty"`
	Nsec    *int64  `json:"nsec,omitempty"`
	JSON    *string `json:"json,omitempty"`
	JSONErr *string `json:"json_err,omitempty"`
	YAML    *string `json:"yaml,omitempty"`
	YAMLErr *string `json:"yaml_err,omitempty"`
}

func str(s string) *string { return &s }

func errText(err error) *string {
	if err == nil {
		return nil
	}
	return str(err.Error())
}

func float(bits string) (float64, error) {
	u, err := strconv.ParseUint(bits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad bits %q: %v", bits, err)
	}
	return math.Float64frombits(u), nil
}

// A tagged value tree -> the Go-native value copilot's downloader puts into its varMap.
type tagged struct {
	T    string            `json:"t"`
	S    string            `json:"s"`
	B    bool              `json:"b"`
	I    int64             `json:"i"`
	Bits string            `json:"bits"`
	Sec  int64             `json:"sec"`
	Nsec int64             `json:"nsec"`
	L    []tagged          `json:"l"`
	M    map[string]tagged `json:"m"`
	// "bytes": a binary literal's value (base64 in the request), a []byte in the varMap.
	Bytes []byte `json:"bytes"`
	// "struct": a google.protobuf.Struct given as its JSON object; the varMap holds the
	// *structpb.Struct itself, which encoding/json knows nothing of.
	J json.RawMessage `json:"j"`
}

func native(t tagged) (interface{}, error) {
	switch t.T {
	case "null":
		return nil, nil
	case "str":
		return t.S, nil
	case "bool":
		return t.B, nil
	case "int":
		return t.I, nil
	case "float":
		return float(t.Bits)
	case "time":
		return time.Unix(t.Sec, t.Nsec).UTC(), nil
	case "bytes":
		if t.Bytes == nil {
			return []byte{}, nil
		}
		return t.Bytes, nil
	case "struct":
		var m map[string]interface{}
		if err := json.Unmarshal(t.J, &m); err != nil {
			return nil, fmt.Errorf("struct: %v", err)
		}
		return structpb.NewStruct(m)
	case "list":
		out := make([]interface{}, 0, len(t.L))
		for _, x := range t.L {
			v, err := native(x)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case "map":
		out := make(map[string]interface{}, len(t.M))
		for k, x := range t.M {
			v, err := native(x)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown value tag %q", t.T)
}

// A literal as a command-line template sees it: what `{{.inputs.x}}` renders a literal to in
// the backend (written here from the protocol's rules, protocol-2.md §4): primitives with %v,
// a blob as its URI, a collection as "[a,b]", a msgpack binary as %v of the value a msgpack
// decoder gives an interface{}; maps, structs, unions, none and structured datasets fail.
type lit struct {
	K     string `json:"k"`
	I     int64  `json:"i"`
	Bits  string `json:"bits"`
	S     string `json:"s"`
	B     bool   `json:"b"`
	URI   string `json:"uri"`
	Tag   string `json:"tag"`
	Bytes []byte `json:"bytes"`
	L     []lit  `json:"l"`
}

func render(l lit) (string, error) {
	switch l.K {
	case "int":
		return fmt.Sprintf("%v", l.I), nil
	case "float":
		f, err := float(l.Bits)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%v", f), nil
	case "str":
		return l.S, nil
	case "bool":
		return fmt.Sprintf("%v", l.B), nil
	case "blob":
		return l.URI, nil
	case "binary":
		if l.Tag != "msgpack" {
			return "", fmt.Errorf("unsupported binary tag [%v]", l.Tag)
		}
		// Maps decode as map[interface{}]interface{} (any key kind), as a decoder into a bare
		// interface{} does; fmt prints them with sorted keys.
		dec := msgpack.NewDecoder(bytes.NewReader(l.Bytes))
		dec.SetMapDecoder(func(d *msgpack.Decoder) (interface{}, error) { return d.DecodeUntypedMap() })
		v, err := dec.DecodeInterface()
		if err != nil {
			return "", fmt.Errorf("failed to unmarshal messagepack bytes, err:[%v]", err)
		}
		return fmt.Sprintf("%v", v), nil
	case "list":
		parts := make([]string, 0, len(l.L))
		for _, x := range l.L {
			p, err := render(x)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return "[" + strings.Join(parts, ",") + "]", nil
	case "map":
		return "", fmt.Errorf("received an unexpected primitive type [*core.Literal_Map]")
	case "Generic", "NoneType", "Union", "StructuredDataset", "Error":
		return "", fmt.Errorf("received an unexpected scalar type [*core.Scalar_%s]", l.K)
	}
	return "", fmt.Errorf("unknown literal kind %q", l.K)
}

func handle(r request) (answer, error) {
	var a answer
	switch r.Op {
	case "format_v", "format_f", "format_g", "format_e", "format_json":
		f, err := float(r.Bits)
		if err != nil {
			return a, err
		}
		switch r.Op {
		case "format_v":
			a.Out = str(fmt.Sprintf("%v", f))
		case "format_f":
			a.Out = str(strconv.FormatFloat(f, 'f', -1, 64))
		case "format_g":
			a.Out = str(strconv.FormatFloat(f, 'g', -1, 64))
		case "format_e":
			a.Out = str(strconv.FormatFloat(f, 'e', -1, 64))
		case "format_json":
			b, err := json.Marshal(f)
			if err != nil {
				a.Err = errText(err)
			} else {
				a.Out = str(string(b))
			}
		}
	case "parse_float":
		f, err := strconv.ParseFloat(r.S, 64)
		a.Bits = str(strconv.FormatUint(math.Float64bits(f), 10))
		a.Err = errText(err)
	case "parse_int":
		i, err := strconv.ParseInt(r.S, 10, 64)
		a.Int = &i
		a.Err = errText(err)
	case "parse_bool":
		b, err := strconv.ParseBool(r.S)
		a.Bool = &b
		a.Err = errText(err)
	case "parse_duration":
		d, err := time.ParseDuration(r.S)
		ns := int64(d)
		a.Int = &ns
		a.Err = errText(err)
	case "format_duration":
		a.Out = str(time.Duration(r.Ns).String())
	case "parse_rfc3339":
		t, err := time.Parse(time.RFC3339, r.S)
		sec, nsec := t.Unix(), int64(t.Nanosecond())
		a.Sec, a.Nsec = &sec, &nsec
		a.Err = errText(err)
	case "format_rfc3339nano":
		a.Out = str(time.Unix(r.Sec, r.Nsec).UTC().Format(time.RFC3339Nano))
	case "match":
		ok, err := filepath.Match(r.Pattern, r.Name)
		a.Bool = &ok
		a.Err = errText(err)
	case "render":
		out, err := render(r.Lit)
		if err != nil {
			a.Err = errText(err)
		} else {
			a.Out = str(out)
		}
	case "varmap":
		var t tagged
		if err := json.Unmarshal(r.Value, &t); err != nil {
			return a, fmt.Errorf("value: %v", err)
		}
		v, err := native(t)
		if err != nil {
			return a, err
		}
		if b, err := json.Marshal(v); err != nil {
			a.JSONErr = errText(err)
		} else {
			a.JSON = str(string(b))
		}
		if b, err := yaml.Marshal(v); err != nil {
			a.YAMLErr = errText(err)
		} else {
			a.YAML = str(string(b))
		}
	default:
		return a, fmt.Errorf("unknown op %q", r.Op)
	}
	return a, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go-oracle REQUESTS ANSWERS")
		os.Exit(2)
	}
	in, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer in.Close()
	out, err := os.Create(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		var r request
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			fmt.Fprintf(os.Stderr, "%s:%d: %v\n", os.Args[1], line, err)
			os.Exit(1)
		}
		a, err := handle(r)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s:%d: %v\n", os.Args[1], line, err)
			os.Exit(1)
		}
		if err := enc.Encode(a); err != nil {
			fmt.Fprintf(os.Stderr, "%s:%d: %v\n", os.Args[2], line, err)
			os.Exit(1)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := out.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
