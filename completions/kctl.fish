complete --keep-order --exclusive --command kctl --arguments "(COMPLETE=fish kctl -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
