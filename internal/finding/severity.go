// Package finding owns the one result model every scanner, formatter, the gate and the server share:
// Finding, Package, Report, severities and fingerprints.
package finding

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity orders findings. The zero value is Unknown so a finding nobody rated never outranks a rated one.
type Severity int

// The field's usual severity names, lowest first.
const (
	Unknown Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

func (s Severity) String() string {
	if s < Unknown || s > Critical {
		return "UNKNOWN"
	}
	return severityNames[s]
}

// ParseSeverity accepts any case; "none" is not a severity.
func ParseSeverity(s string) (Severity, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for i, n := range severityNames {
		if n == u {
			return Severity(i), nil
		}
	}
	return Unknown, fmt.Errorf("unknown severity %q (want one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)", s)
}

// Severities lists every severity, highest first, the order reports present them in.
func Severities() []Severity { return []Severity{Critical, High, Medium, Low, Unknown} }

// MarshalJSON writes the severity by name so reports stay readable and stable if the order ever grows.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a severity name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return fmt.Errorf("severity: %w", err)
	}
	v, err := ParseSeverity(name)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalText lets severities be map keys and YAML/flag values.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
