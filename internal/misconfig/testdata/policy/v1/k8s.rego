package main

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Deployment %s must set runAsNonRoot", [input.metadata.name])
}

warn contains {"msg": "image from an unapproved registry", "id": "ORG-001", "severity": "MEDIUM"} if {
	some c in input.spec.template.spec.containers
	not startswith(c.image, "registry.acme.example/")
}
