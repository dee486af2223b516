//! Who runs infra: the user and host, the CI job when one runs it (read
//! from the environment variables each CI system sets), and the commit
//! of the configuration's repository. Recorded in audit records and in
//! the state lock.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The person or job behind a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// `$USER` (`$USERNAME` on Windows), else `unknown`.
    pub user: String,
    /// The host name (`/etc/hostname`, `$HOSTNAME`), else `localhost`.
    pub host: String,
    /// The CI job, when the run is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<Ci>,
}

/// A CI job, as its system describes it in the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ci {
    /// `github-actions`, `gitlab-ci`, `circleci`, `jenkins`, `buildkite`,
    /// `azure-pipelines`, or `ci` for another system setting `CI`.
    pub system: String,
    /// The job or run id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// A link to the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Who triggered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggered_by: Option<String>,
    /// The commit it builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl Actor {
    /// This process's actor, from the environment `env` (a lookup, so
    /// tests need not change the process's environment).
    pub fn current(env: &dyn Fn(&str) -> Option<String>) -> Actor {
        let user = env("USER")
            .or_else(|| env("USERNAME"))
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "unknown".into());
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| env("HOSTNAME"))
            .unwrap_or_else(|| "localhost".into());
        Actor {
            user,
            host,
            ci: Ci::detect(env),
        }
    }

    /// `user@host`, and the CI job when there is one:
    /// `runner@host (github-actions 42 by alice)`.
    pub fn describe(&self) -> String {
        let mut s = format!("{}@{}", self.user, self.host);
        if let Some(ci) = &self.ci {
            s.push_str(" (");
            s.push_str(&ci.system);
            if let Some(job) = &ci.job {
                s.push(' ');
                s.push_str(job);
            }
            if let Some(by) = &ci.triggered_by {
                s.push_str(" by ");
                s.push_str(by);
            }
            s.push(')');
        }
        s
    }
}

impl Ci {
    /// The CI job described by `env`, if any. Mirrors the variables each
    /// system documents (GitHub Actions, GitLab CI, CircleCI, Jenkins,
    /// Buildkite, Azure Pipelines); any other system setting `CI=true`
    /// is `ci`.
    pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> Option<Ci> {
        let set = |k: &str| env(k).filter(|v| !v.is_empty());
        if set("GITHUB_ACTIONS").is_some() {
            let url = match (
                set("GITHUB_SERVER_URL"),
                set("GITHUB_REPOSITORY"),
                set("GITHUB_RUN_ID"),
            ) {
                (Some(s), Some(r), Some(id)) => Some(format!("{s}/{r}/actions/runs/{id}")),
                _ => None,
            };
            return Some(Ci {
                system: "github-actions".into(),
                job: set("GITHUB_RUN_ID"),
                url,
                triggered_by: set("GITHUB_ACTOR"),
                commit: set("GITHUB_SHA"),
            });
        }
        if set("GITLAB_CI").is_some() {
            return Some(Ci {
                system: "gitlab-ci".into(),
                job: set("CI_JOB_ID"),
                url: set("CI_JOB_URL"),
                triggered_by: set("GITLAB_USER_LOGIN"),
                commit: set("CI_COMMIT_SHA"),
            });
        }
        if set("CIRCLECI").is_some() {
            return Some(Ci {
                system: "circleci".into(),
                job: set("CIRCLE_BUILD_NUM"),
                url: set("CIRCLE_BUILD_URL"),
                triggered_by: set("CIRCLE_USERNAME"),
                commit: set("CIRCLE_SHA1"),
            });
        }
        if set("BUILDKITE").is_some() {
            return Some(Ci {
                system: "buildkite".into(),
                job: set("BUILDKITE_JOB_ID"),
                url: set("BUILDKITE_BUILD_URL"),
                triggered_by: set("BUILDKITE_BUILD_CREATOR"),
                commit: set("BUILDKITE_COMMIT"),
            });
        }
        if set("TF_BUILD").is_some() {
            return Some(Ci {
                system: "azure-pipelines".into(),
                job: set("BUILD_BUILDID"),
                url: None,
                triggered_by: set("BUILD_REQUESTEDFOR"),
                commit: set("BUILD_SOURCEVERSION"),
            });
        }
        if set("JENKINS_URL").is_some() {
            return Some(Ci {
                system: "jenkins".into(),
                job: set("BUILD_TAG"),
                url: set("BUILD_URL"),
                triggered_by: None,
                commit: set("GIT_COMMIT"),
            });
        }
        set("CI").filter(|v| v != "false" && v != "0").map(|_| Ci {
            system: "ci".into(),
            ..Ci::default()
        })
    }
}

/// The commit checked out in the git repository holding `dir` (its
/// `.git/HEAD`, following one symbolic ref through the loose ref file or
/// `packed-refs`); `None` outside a repository or when unreadable. Reads
/// at most a few small files; never runs `git`.
pub fn git_commit(dir: &Path) -> Option<String> {
    let start = dir.canonicalize().ok()?;
    let git = start
        .ancestors()
        .map(|d| d.join(".git"))
        .find(|g| g.join("HEAD").is_file())?;
    let head = read_small(&git.join("HEAD"))?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref:").map(str::trim) else {
        return is_commit(head).then(|| head.to_string());
    };
    if reference.contains("..") {
        return None;
    }
    if let Some(loose) = read_small(&git.join(reference)) {
        let loose = loose.trim();
        return is_commit(loose).then(|| loose.to_string());
    }
    read_small(&git.join("packed-refs"))?
        .lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(_, name)| *name == reference)
        .map(|(sha, _)| sha.to_string())
        .filter(|s| is_commit(s))
}

/// The text of `path` when it is a file of at most 1 MiB.
fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// A SHA-1 or SHA-256 commit id in hex.
fn is_commit(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_jobs_are_named_from_their_systems_variables() {
        let env = |k: &str| {
            match k {
                "GITHUB_ACTIONS" => Some("true"),
                "GITHUB_SERVER_URL" => Some("https://github.com"),
                "GITHUB_REPOSITORY" => Some("acme/infra"),
                "GITHUB_RUN_ID" => Some("42"),
                "GITHUB_ACTOR" => Some("alice"),
                "GITHUB_SHA" => Some("abc"),
                "USER" => Some("runner"),
                _ => None,
            }
            .map(String::from)
        };
        let a = Actor::current(&env);
        assert_eq!(a.user, "runner");
        let ci = a.ci.clone().expect("a CI job");
        assert_eq!(ci.system, "github-actions");
        assert_eq!(
            ci.url.as_deref(),
            Some("https://github.com/acme/infra/actions/runs/42")
        );
        assert!(
            a.describe().ends_with("(github-actions 42 by alice)"),
            "{}",
            a.describe()
        );
        assert_eq!(Ci::detect(&|_| None), None);
        assert_eq!(
            Ci::detect(&|k| (k == "CI").then(|| "true".to_string())).map(|c| c.system),
            Some("ci".to_string())
        );
    }

    #[test]
    fn the_commit_is_read_through_head_loose_and_packed_refs() {
        let d = tempfile::tempdir().expect("temp dir");
        let git = d.path().join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).expect("dirs");
        let sha = "0123456789abcdef0123456789abcdef01234567";
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").expect("head");
        std::fs::write(
            git.join("packed-refs"),
            format!("# pack-refs\n{sha} refs/heads/main\n"),
        )
        .expect("packed");
        let sub = d.path().join("env/prod");
        std::fs::create_dir_all(&sub).expect("sub");
        assert_eq!(git_commit(&sub).as_deref(), Some(sha));
        let loose = "fedcba9876543210fedcba9876543210fedcba98";
        std::fs::write(git.join("refs/heads/main"), format!("{loose}\n")).expect("loose");
        assert_eq!(git_commit(&sub).as_deref(), Some(loose));
        std::fs::write(git.join("HEAD"), format!("{sha}\n")).expect("detached");
        assert_eq!(git_commit(d.path()).as_deref(), Some(sha));
    }
}
