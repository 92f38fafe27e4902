module example.com/app

go 1.22.1

toolchain go1.22.3

require (
	github.com/gin-gonic/gin v1.9.0
	golang.org/x/net v0.17.0 // indirect
)

require github.com/sirupsen/logrus v1.9.0
