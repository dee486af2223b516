# exit: 0
# Only the alias is used; the default configuration is pruned.
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

provider "aws" {
  alias  = "west"
  region = "eu-west-1"
}

resource "aws_s3_bucket" "b" {
  provider = aws.west
  bucket   = "infra-test-unused-provider"
}
