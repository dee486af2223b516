# exit: 0
# An unused block is not checked against the provider's schema either.
terraform {
  required_providers {
    aws = {
      source = "infra.test/infra/aws"
    }
  }
}

provider "aws" {
  bogus = 1
}

resource "terraform_data" "a" {
  input = "x"
}
