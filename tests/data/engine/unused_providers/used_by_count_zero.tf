# exit: 1
# error: sets only one of `access_key` and `secret_key`
# A resource with no instances still uses its configuration.
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

resource "aws_s3_bucket" "b" {
  count  = 0
  bucket = "infra-test-unused-provider"
}
