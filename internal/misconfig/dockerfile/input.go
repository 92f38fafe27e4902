package dockerfile

// Input returns the Rego input: one array of commands, the shape conftest gives Dockerfiles
// ({Cmd, SubCmd, JSON, Flags, Value, Stage}) plus Original and StartLine.
func Input(content []byte) ([]any, error) {
	_, all, err := parse(content)
	if err != nil {
		return nil, err
	}
	cmds := make([]any, 0, len(all))
	for _, in := range all {
		st := in.stage
		if st < 0 {
			st = 0
		}
		cmds = append(cmds, map[string]any{"Cmd": in.cmd, "SubCmd": "", "JSON": in.json, "Flags": strs(in.flags),
			"Value": strs(in.args), "Original": in.text, "Stage": st, "StartLine": in.line})
	}
	return []any{cmds}, nil
}

func strs(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
