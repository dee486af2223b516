# exit: 1
# error: sets only one of `access_key` and `secret_key`
# A data source of a check block uses its configuration too.
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

check "bucket" {
  data "aws_s3_bucket" "b" {
    bucket = "infra-test-unused-provider"
  }

  assert {
    condition     = data.aws_s3_bucket.b.bucket != ""
    error_message = "no bucket"
  }
}
