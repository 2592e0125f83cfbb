"""The OCF runtime the agents run on: shipped by xcatha install-agents, standard library only."""
