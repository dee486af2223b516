;;; eglot_client.el --- drives `infra lsp' from Emacs's eglot, headless  -*- lexical-binding: t -*-
;; As docs/editors.md sets Emacs up (an `infra-mode', eglot starting
;; `infra lsp'): opens main.infra in the current directory, waits for the
;; server's diagnostics (through Flymake), asks for hover and formatting,
;; and writes what the client got to $OUT as JSON. Emacs 28 with Debian's
;; elpa-eglot, or Emacs 29+ (eglot built in). Run:
;;   INFRA_BIN=... OUT=... emacs --batch -Q -l THIS
(require 'package)
;; Debian's elpa-* packages (-Q skips the site start-up that adds them).
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(require 'eglot)
(require 'json)
(require 'flymake)

(defvar infra-test-result (list (cons 'errors [])))

(define-derived-mode infra-mode prog-mode "infra"
  "Major mode for .infra files."
  (setq-local comment-start "# "))
(add-to-list 'auto-mode-alist '("\\.infra\\(vars\\)?\\'" . infra-mode))
(add-to-list 'eglot-server-programs
             `(infra-mode . (,(getenv "INFRA_BIN") "lsp")))

(defun infra-test-wait (pred seconds)
  "Let the server talk until PRED holds or SECONDS pass."
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))))

(condition-case err
    (progn
      (find-file "main.infra")
      (let ((default-directory (file-name-directory (buffer-file-name))))
        (eglot--connect '(infra-mode) (cons 'transient default-directory)
                        'eglot-lsp-server
                        (list (getenv "INFRA_BIN") "lsp") "infra"))
      (infra-test-wait (lambda () (flymake-diagnostics)) 20)
      (push (cons 'diagnostics
                  (vconcat (mapcar (lambda (d)
                                     (list (cons 'line (line-number-at-pos (flymake-diagnostic-beg d)))
                                           (cons 'message (flymake-diagnostic-text d))))
                                   (flymake-diagnostics))))
            infra-test-result)
      ;; Hover on `upper' (line 7, column 14: 1-based line).
      (goto-char (point-min))
      (forward-line 6)
      (move-to-column 14)
      (let ((hover (jsonrpc-request (eglot-current-server) :textDocument/hover
                                    (eglot--TextDocumentPositionParams))))
        (push (cons 'hover (plist-get (plist-get hover :contents) :value)) infra-test-result))
      (eglot-format-buffer)
      (push (cons 'formatted (buffer-substring-no-properties (point-min) (point-max)))
            infra-test-result))
  (error (push (cons 'errors (vector (format "%S" err))) infra-test-result)))

(with-temp-file (getenv "OUT")
  (insert (json-encode infra-test-result)))
(kill-emacs 0)
;;; eglot_client.el ends here
