package acme.rules

import rego.v1

deny_no_team contains msg if {
	input.kind
	not input.metadata.labels.team
	msg := "every object needs a team label"
}
