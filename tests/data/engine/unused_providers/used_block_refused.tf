# exit: 1
# error: sets only one of `access_key` and `secret_key`
# A resource uses the block: ConfigureProvider refuses it.
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
  bucket = "infra-test-unused-provider"
}
