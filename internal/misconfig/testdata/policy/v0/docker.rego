package main

deny[msg] {
	input[i].Cmd == "from"
	val := input[i].Value
	contains(val[0], "latest")
	msg = sprintf("do not use latest: %s", [val[0]])
}

violation[{"msg": msg, "line": line}] {
	some name
	input.resource.aws_s3_bucket[name].acl == "public-read"
	msg := sprintf("bucket %s is public", [name])
	line := 1
}
