#!/bin/sh
touch /tmp/tollgate-kustomize-exec-ran
