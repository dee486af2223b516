# exit: 1
# error: sets only one of `access_key` and `secret_key`
# An import block's target uses its configuration.
terraform {
  required_providers {
    aws = {
      source = "infra.test/infra/aws"
    }
  }
}

provider "aws" {
  access_key = "only"
}

import {
  to = aws_s3_bucket.b
  id = "infra-test-unused-provider"
}

resource "aws_s3_bucket" "b" {
  bucket = "infra-test-unused-provider"
}
